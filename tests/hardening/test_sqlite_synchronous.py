"""SQLite's durability is a setting: normal by default, full on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdesk.config import SettingsError, load_settings
from flowdesk.storage.db import make_engine


@pytest.mark.parametrize(("setting", "pragma"), [("normal", 1), ("full", 2), ("FULL", 2)])
def test_the_setting_reaches_every_sqlite_connection(tmp_path: Path, setting: str,
                                                     pragma: int) -> None:
    settings = load_settings({"FLOWDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
                              "FLOWDESK_SQLITE_SYNCHRONOUS": setting})
    engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == pragma
    finally:
        engine.dispose()


def test_another_value_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="FLOWDESK_SQLITE_SYNCHRONOUS"):
        load_settings({"FLOWDESK_SQLITE_SYNCHRONOUS": "off"})
