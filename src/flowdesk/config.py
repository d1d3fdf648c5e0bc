"""One typed settings object, read from FLOWDESK_* environment variables.

Every setting is documented in README.md (a test checks that). Bad values fail loudly.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

log = logging.getLogger(__name__)

# A published value: a server signing with it warns that anyone can forge its tokens.
DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - a published placeholder, not a secret
SECRET_FILE = "secret-key"  # noqa: S105 - a file name, not a secret


class SettingsError(ValueError):
    pass


def default_data_dir() -> Path:
    """Where Flowdesk keeps its own files: FLOWDESK_DATA_DIR, else the per-user data folder."""
    return Path(os.environ.get("FLOWDESK_DATA_DIR") or user_data_dir("flowdesk",
                                                                      appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    return f"sqlite:///{(data_dir or default_data_dir()) / 'flowdesk.db'}"


def installation_secret(data_dir: Path) -> str:
    """This installation's own secret, made once and kept in `data_dir`, readable by its owner
    only: it signs session cookies and CSRF tokens when FLOWDESK_SECRET_KEY is not set."""
    path = data_dir / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_urlsafe(48)
    try:  # created with its mode, never readable by others even for a moment
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret + "\n")
    return secret


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    # Signs session cookies and CSRF tokens; empty: the installation's own (SECRET_FILE).
    secret_key: str = ""
    log_level: str = "info"
    data_dir: Path = field(default_factory=default_data_dir)
    sqlite_synchronous: str = "normal"
    # Host names the server answers to; "*" any. `load_settings` allows loopback and
    # FLOWDESK_ALLOWED_HOSTS only, so a page on another site that rebinds its own name to
    # 127.0.0.1 (DNS rebinding) cannot reach a Flowdesk on this machine.
    allowed_hosts: tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        if not self.secret_key:
            object.__setattr__(self, "secret_key", installation_secret(self.data_dir))

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
    log.warning("FLOWDESK_SECRET_KEY is the published development value: anyone can forge "
                "session cookies and CSRF tokens. Unset it (each installation then makes its "
                "own) or set it to a long random string.")
    return True


# name -> (help, default); the README's settings table is checked against this.
DOCUMENTED = {
    "FLOWDESK_DATABASE_URL": "SQLAlchemy URL of the database (SQLite file or postgresql://)",
    "FLOWDESK_HOST": "address `flowdesk serve` listens on",
    "FLOWDESK_PORT": "port `flowdesk serve` listens on",
    "FLOWDESK_SECRET_KEY": "secret used to sign session cookies and CSRF tokens",
    "FLOWDESK_LOG_LEVEL": "debug, info, warning or error",
    "FLOWDESK_DATA_DIR": "folder for the default database, the installation secret and the "
                         "first run's accounts",
    "FLOWDESK_SQLITE_SYNCHRONOUS": "normal or full: SQLite's durability against power loss",
    "FLOWDESK_ALLOWED_HOSTS": "host names the server answers to, comma-separated, besides "
                              "loopback",
    "FLOWDESK_ANALYTICS_THREADS": "threads the analytics spread their work over (read by "
                                  "flowdesk.analytics.parallel)",
}
# Variables the test suite reads, not Flowdesk: they may be set around any command.
TEST_ONLY = ("FLOWDESK_TEST_", "FLOWDESK_REQUIRE_", "FLOWDESK_BPIC_DATA")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith("FLOWDESK_") and k not in DOCUMENTED
                     and not k.startswith(TEST_ONLY))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    data_dir = Path(env.get("FLOWDESK_DATA_DIR") or default_data_dir())
    url = env.get("FLOWDESK_DATABASE_URL") or default_database_url(data_dir)
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
    synchronous = env.get("FLOWDESK_SQLITE_SYNCHRONOUS", "normal").lower()
    if synchronous not in {"normal", "full"}:
        raise SettingsError(
            f"FLOWDESK_SQLITE_SYNCHRONOUS must be normal or full, not {synchronous!r}")
    threads = env.get("FLOWDESK_ANALYTICS_THREADS", "").strip()
    if threads and not (threads.isdigit() and 1 <= int(threads) <= 256):
        raise SettingsError("FLOWDESK_ANALYTICS_THREADS must be a whole number from 1 to 256, "
                            f"not {threads!r}")
    return Settings(
        database_url=url,
        host=env.get("FLOWDESK_HOST", "127.0.0.1"),
        port=port,
        secret_key=env.get("FLOWDESK_SECRET_KEY", ""),  # empty: the installation's own
        log_level=level,
        data_dir=data_dir,
        sqlite_synchronous=synchronous,
        allowed_hosts=_allowed_hosts(env.get("FLOWDESK_ALLOWED_HOSTS", "")),
    )


def _allowed_hosts(text: str) -> tuple[str, ...]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    for name in names:
        if name != "*" and not re.fullmatch(r"(\*\.)?[a-z0-9.\-\[\]:]+", name):
            raise SettingsError(f"FLOWDESK_ALLOWED_HOSTS: {name!r} is not a host name")
    return tuple(dict.fromkeys([*LOOPBACK_HOSTS, *names]))
