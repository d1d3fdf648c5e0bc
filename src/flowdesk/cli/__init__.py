"""The `flowdesk` command. Each group of subcommands lives in its own module."""

from __future__ import annotations

import click

from flowdesk import __version__
from flowdesk.cli import analytics, backup, db, export, people, report, roles, serve


@click.group()
@click.version_option(__version__, prog_name="flowdesk")
def main() -> None:
    """Flowdesk: Kanban service delivery with WIP-limited boards and flow analytics."""


main.add_command(serve.serve)
main.add_command(serve.run)
main.add_command(db.db)
main.add_command(export.export)
main.add_command(analytics.import_command)
main.add_command(analytics.metrics)
main.add_command(analytics.forecast)
main.add_command(report.report)
main.add_command(backup.backup)
main.add_command(backup.restore)
main.add_command(backup.migrate_db)
main.add_command(people.user)
main.add_command(people.member)
main.add_command(people.token)
main.add_command(roles.roles)

try:  # the demo simulator lives in its own module
    from flowdesk.cli import demo as _demo

    main.add_command(_demo.demo)
except ImportError:  # pragma: no cover - only while the module is being written
    pass
