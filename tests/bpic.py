"""Where the tests find the real BPIC Challenge 2013 incident log.

`FLOWDESK_BPIC_DATA` names its folder (the one holding `events.csv.gz`); by default the
`shared/data/bpic2013` folder beside this repository. Without the data the BPIC tests are
skipped, saying why; with `FLOWDESK_REQUIRE_BPIC=1` (CI) they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDER = Path(os.environ.get("FLOWDESK_BPIC_DATA")
              or REPO.parent / "shared" / "data" / "bpic2013")
EVENTS = FOLDER / "events.csv.gz"
WORKFLOW = REPO / "examples" / "bpic2013" / "workflow.toml"
REQUIRED = os.environ.get("FLOWDESK_REQUIRE_BPIC") == "1"
MISSING = f"the BPIC 2013 log is not at {EVENTS} (set FLOWDESK_BPIC_DATA to its folder)"

# For a module of BPIC tests: skipped without the data, unless CI requires it (then they run,
# and fail on the missing file).
needs_bpic = pytest.mark.skipif(not EVENTS.exists() and not REQUIRED, reason=MISSING)


def events_or_skip() -> Path:
    """The log's path; skips the test without it, or fails it when the data is required."""
    if EVENTS.exists():
        return EVENTS
    if REQUIRED:
        pytest.fail(f"FLOWDESK_REQUIRE_BPIC=1 but {MISSING}")
    pytest.skip(MISSING)
