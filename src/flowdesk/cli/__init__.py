"""The `flowdesk` command. Each group of subcommands lives in its own module.

The modules load only when their command runs: `flowdesk --help` and `flowdesk metrics
--history` start without SQLAlchemy, Alembic, FastAPI or the web, which take longer to
import than the analytics of a large history file take to run. The summaries `--help`
shows are kept here (a test checks that each is its command's own).
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

import click

from flowdesk import __version__

# Flowdesk multiplies no matrices, so numpy's OpenBLAS needs no threads of its own: it
# starts one per core when numpy loads and joins them at exit, about 40 ms of the 0.5 s
# `flowdesk metrics --history` takes on 100,000 items. Read once, when numpy first loads
# (no command module has loaded it yet); a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#: name -> (module, attribute, the summary `flowdesk --help` shows)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "backup": ("flowdesk.cli.backup", "backup",
               "Copy the database to OUT; the server may keep running."),
    "db": ("flowdesk.cli.db", "db", "Manage the database schema."),
    "demo": ("flowdesk.cli.demo", "demo",
             "Load the demo: a claims service centre with two services and their history."),
    "export": ("flowdesk.cli.export", "export", "Write a service's event log, oldest first."),
    "forecast": ("flowdesk.cli.analytics", "forecast",
                 "Monte Carlo forecast from past daily throughput."),
    "import": ("flowdesk.cli.analytics", "import_command",
               "Import another tool's history into a service (safe to run twice)."),
    "member": ("flowdesk.cli.people", "member", "Put people in a service, in its Kanban roles."),
    "metrics": ("flowdesk.cli.analytics", "metrics",
                "Flow metrics for a period: lead time, throughput, WIP, flow efficiency, "
                "blockers."),
    "migrate-db": ("flowdesk.cli.backup", "migrate_db",
                   "Copy this database (FLOWDESK_DATABASE_URL) into another, SQLite to "
                   "PostgreSQL or back, ids kept; then check every table's row count and "
                   "checksum, the event log's too."),
    "report": ("flowdesk.cli.report", "report",
               "Write an offline HTML flow report: charts, headline numbers and what they "
               "mean."),
    "restore": ("flowdesk.cli.backup", "restore",
                "Replace the database with the backup IN (stop the server first)."),
    "roles": ("flowdesk.cli.roles", "roles",
              "Show what each Kanban role may do in a service, and what admins do."),
    "run": ("flowdesk.cli.serve", "run",
            "Upgrade the database, load the demo if it is empty, and serve."),
    "serve": ("flowdesk.cli.serve", "serve", "Serve the web board and the API."),
    "token": ("flowdesk.cli.people", "token", "API tokens, for `Authorization: Bearer <token>`."),
    "user": ("flowdesk.cli.people", "user", "Create accounts and set their passwords."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when one of them is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attribute, _summary = found
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their summaries, without importing any of them."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shorten(COMMANDS[name][2], limit)) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shorten(text: str, limit: int) -> str:
    """Cut a summary at a word to fit `limit` characters, as click does."""
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="flowdesk")
def main() -> None:
    """Flowdesk: Kanban service delivery with WIP-limited boards and flow analytics."""


def run() -> None:
    """The `flowdesk` script: :func:`main`, then a quick exit when nothing is left to close.

    Tearing the interpreter down (freeing each of the some 400 modules numpy and the
    analytics load) takes about 25 ms, a twentieth of `flowdesk metrics --history`. A
    command that opened no database and left no thread of its own running has nothing to
    close but its output, so it is flushed and the process ends at once. Other commands
    (and anything that imports :func:`main`, such as the tests) end as usual.
    """
    try:
        main(prog_name="flowdesk")
    except SystemExit as done:
        if isinstance(done.code, int | None) and _nothing_to_close():
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except OSError:  # a closed pipe, say: the usual exit reports it
                raise done from None
            os._exit(done.code or 0)
        raise


def _nothing_to_close() -> bool:
    """Whether the command loaded no database and runs no thread but the main one and
    the analytics pool's (idle once the command has returned)."""
    return "sqlalchemy" not in sys.modules and all(
        thread is threading.main_thread() or thread.name.startswith("flowdesk-analytics")
        for thread in threading.enumerate())
