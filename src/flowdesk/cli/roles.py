"""`flowdesk roles`: who may do what, from the one policy table."""

from __future__ import annotations

import textwrap

import click

from flowdesk.domain import policy
from flowdesk.domain.people import ROLE_ORDER

WIDTH = 100
ACTION_WIDTH = 28


def roles_text() -> str:
    """The policy table as plain text: each action, the roles that may take it, what it
    covers."""
    lines = []
    for action, rule in policy.POLICY.items():
        who = (["every role"] if rule.roles == frozenset(ROLE_ORDER)
               else [r.label for r in ROLE_ORDER if r in rule.roles])
        if action in policy.ORGANISATION_ACTIONS | policy.ADMIN_SERVICE_ACTIONS:
            who.append("admin")
        lines.append(f"{action.value:<{ACTION_WIDTH}} {', '.join(who)}")
        lines += textwrap.wrap(rule.what, WIDTH, initial_indent=" " * (ACTION_WIDTH + 1),
                               subsequent_indent=" " * (ACTION_WIDTH + 1))
    lines += ["", *textwrap.wrap(policy.OWN_ACCOUNT, WIDTH),
              *textwrap.wrap("The command line acts as the local operator, who holds the "
                             "database and may do anything.", WIDTH)]
    return "\n".join(lines)


@click.command()
@click.option("--markdown", is_flag=True, help="print docs/roles.md (a Markdown table)")
def roles(markdown: bool) -> None:
    """Show what each Kanban role may do in a service, and what admins do."""
    click.echo(policy.roles_markdown() if markdown else roles_text(), nl=not markdown)
