"""The workflow file and the time zone rules."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from flowdesk.analytics import Workflow
from flowdesk.analytics.timezones import Zone, date_to_day
from flowdesk.analytics.workflow import ACTIVE, BLOCKED, NEITHER, WAITING

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bpic2013" / "workflow.toml"


def test_the_bpic_example_workflow_loads() -> None:
    workflow = Workflow.from_toml(EXAMPLE)
    assert workflow.ordered == ("Queued", "Accepted", "Completed")
    assert workflow.ignore == ("Unmatched",)
    assert workflow.columns is not None
    assert workflow.columns.attributes == ("impact", "product", "support_team")
    assert workflow.uses_substates
    assert workflow.classify("Accepted", "Wait - User") == (BLOCKED, "customer")
    assert workflow.classify("Accepted", "In Progress") == (ACTIVE, None)
    assert workflow.classify("Queued", "Awaiting Assignment") == (WAITING, None)
    assert workflow.classify("Completed", "Closed") == (NEITHER, None)


def test_a_state_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        Workflow(upstream=("A",), committed=("A",), done=("B",))


def test_a_bad_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Workflow(upstream=(), committed=("A",), done=("B",), timezone="Mars/Olympus")


def test_fixed_offsets_and_iana_zones_give_local_days() -> None:
    utc_instant = np.array([1_711_843_200_000_000], dtype=np.int64)  # 2024-03-31T00:00Z
    assert Zone.parse("-01:00").day_of(utc_instant)[0] == date_to_day(date(2024, 3, 30))
    assert Zone.parse("+01:00").day_of(utc_instant)[0] == date_to_day(date(2024, 3, 31))
    brussels = Zone.parse("Europe/Brussels")
    # 31 March 2024 in Brussels is 23 hours long.
    start, end = brussels.midnights(np.array([date_to_day(date(2024, 3, 31)),
                                              date_to_day(date(2024, 4, 1))]))
    assert (end - start) == 23 * 3600 * 1_000_000
    assert brussels.day_of(np.array([end - 1, end]))[1] - brussels.day_of(
        np.array([end - 1]))[0] == 1


@pytest.mark.parametrize("line, key", [
    ('upstream = 5', "[workflow] upstream"),
    ('upstream = ["Backlog", 2]', "[workflow] upstream"),
    ('ignore = true', "[workflow] ignore"),
    ('timezone = 1', "[workflow] timezone"),
])
def test_a_workflow_list_of_the_wrong_type_is_refused_naming_its_key(line: str,
                                                                    key: str) -> None:
    text = f'[workflow]\ncommitted = ["Doing"]\ndone = ["Done"]\n{line}\n'
    with pytest.raises(ValueError, match=re.escape(key)):
        Workflow.from_toml_text(text)


def test_substate_and_column_tables_of_the_wrong_type_are_refused() -> None:
    base = '[workflow]\ncommitted = ["Doing"]\ndone = ["Done"]\n'
    with pytest.raises(ValueError, match=re.escape("[substates] blocked")):
        Workflow.from_toml_text(base + "[substates]\nblocked = 3\n")
    with pytest.raises(ValueError, match=re.escape("[columns] attributes")):
        Workflow.from_toml_text(base + '[columns]\nitem = "k"\ntimestamp = "t"\n'
                                'state = "s"\nattributes = 7\n')
    with pytest.raises(ValueError, match=re.escape("[states] must be a table")):
        Workflow.from_toml_text('states = 3\n' + base)
