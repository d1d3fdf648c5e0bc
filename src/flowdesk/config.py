"""One typed settings object, read from FLOWDESK_* environment variables.

Every setting is documented in README.md (a test checks that). Bad values fail loudly.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

log = logging.getLogger(__name__)

# Signs CSRF tokens when FLOWDESK_SECRET_KEY is not set: fine on a laptop, never in production.
DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - a published placeholder, not a secret


class SettingsError(ValueError):
    pass


def data_dir() -> Path:
    """The per-user data folder: the default database, and the demo's sign-in accounts."""
    return Path(user_data_dir("flowdesk", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'flowdesk.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = DEV_SECRET_KEY  # signs CSRF tokens; set it in production
    log_level: str = "info"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_dev_secret(self) -> bool:
        """True when CSRF tokens are signed with the published development value."""
        return self.secret_key == DEV_SECRET_KEY


def warn_about_dev_secret(settings: Settings) -> bool:
    """Log a warning when a server starts with the development secret; True if it warned.
    (Called where a server starts, not by `load_settings`, so tests and commands stay quiet.)"""
    if not settings.uses_dev_secret:
        return False
    log.warning("FLOWDESK_SECRET_KEY is not set: CSRF tokens are signed with the published "
                "development value, so anyone can forge them. Set FLOWDESK_SECRET_KEY to a "
                "long random string before serving anyone but yourself.")
    return True


# name -> (help, default); the README's settings table is checked against this.
DOCUMENTED = {
    "FLOWDESK_DATABASE_URL": "SQLAlchemy URL of the database (SQLite file or postgresql://)",
    "FLOWDESK_HOST": "address `flowdesk serve` listens on",
    "FLOWDESK_PORT": "port `flowdesk serve` listens on",
    "FLOWDESK_SECRET_KEY": "secret used to sign CSRF tokens",
    "FLOWDESK_LOG_LEVEL": "debug, info, warning or error",
}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith("FLOWDESK_") and k not in DOCUMENTED
                     and not k.startswith(("FLOWDESK_TEST_", "FLOWDESK_REQUIRE_")))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    url = env.get("FLOWDESK_DATABASE_URL") or default_database_url()
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise SettingsError(
            f"FLOWDESK_DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {url!r}"
        )
    port_text = env.get("FLOWDESK_PORT", "8000")
    try:
        port = int(port_text)
    except ValueError:
        raise SettingsError(f"FLOWDESK_PORT must be a number, not {port_text!r}") from None
    if not 0 < port < 65536:
        raise SettingsError(f"FLOWDESK_PORT must be between 1 and 65535, not {port}")
    level = env.get("FLOWDESK_LOG_LEVEL", "info").lower()
    if level not in {"debug", "info", "warning", "error"}:
        raise SettingsError(
            f"FLOWDESK_LOG_LEVEL must be debug, info, warning or error, not {level!r}"
        )
    return Settings(
        database_url=url,
        host=env.get("FLOWDESK_HOST", "127.0.0.1"),
        port=port,
        secret_key=env.get("FLOWDESK_SECRET_KEY") or DEV_SECRET_KEY,  # empty counts as unset
        log_level=level,
    )
