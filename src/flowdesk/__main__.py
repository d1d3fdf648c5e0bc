"""`python -m flowdesk ...`: the `flowdesk` command, also where no script is installed."""

from flowdesk.cli import run

run()
