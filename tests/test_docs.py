"""Every setting and every CLI command is documented in README.md; bad settings are refused."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from flowdesk.cli import main
from flowdesk.config import DOCUMENTED, TEST_ONLY, SettingsError, load_settings
from flowdesk.domain.policy import roles_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "flowdesk") -> list[str]:
    """`flowdesk serve`, `flowdesk db upgrade`, ...: every leaf command of the CLI."""
    paths = []
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            paths += command_paths(command, f"{prefix} {name}")
        else:
            paths.append(f"{prefix} {name}")
    return paths


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README


def test_the_readme_mentions_no_setting_that_does_not_exist() -> None:
    mentioned = set(re.findall(r"FLOWDESK_[A-Z_]+", README))
    test_only = {m for m in mentioned if m.startswith(TEST_ONLY)}
    assert mentioned - test_only <= set(DOCUMENTED)


@pytest.mark.parametrize("path", command_paths(main))
def test_every_cli_command_is_in_the_readme(path: str) -> None:
    assert f"`{path}" in README, f"README.md does not document `{path}`"


def test_the_cli_has_the_commands_of_the_foundation() -> None:
    assert {"flowdesk serve", "flowdesk db upgrade", "flowdesk export"} <= set(
        command_paths(main))


def test_no_settings_give_the_defaults() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("flowdesk.db")
    assert (settings.host, settings.port, settings.log_level) == ("127.0.0.1", 8000, "info")


def test_good_settings_are_read() -> None:
    settings = load_settings({
        "FLOWDESK_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/flowdesk",
        "FLOWDESK_HOST": "0.0.0.0", "FLOWDESK_PORT": "8080", "FLOWDESK_LOG_LEVEL": "DEBUG",
        "FLOWDESK_SECRET_KEY": "s3cret",
    })
    assert (settings.port, settings.log_level, settings.secret_key) == (8080, "debug", "s3cret")
    assert not settings.is_sqlite


@pytest.mark.parametrize(("env", "named"), [
    ({"FLOWDESK_DATABSE_URL": "sqlite:///x.db"}, "FLOWDESK_DATABSE_URL"),
    ({"FLOWDESK_DATABASE_URL": "mysql://localhost/x"}, "FLOWDESK_DATABASE_URL"),
    ({"FLOWDESK_PORT": "eighty"}, "FLOWDESK_PORT"),
    ({"FLOWDESK_PORT": "0"}, "FLOWDESK_PORT"),
    ({"FLOWDESK_PORT": "70000"}, "FLOWDESK_PORT"),
    ({"FLOWDESK_LOG_LEVEL": "chatty"}, "FLOWDESK_LOG_LEVEL"),
])
def test_a_bad_setting_is_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_the_test_suites_own_variables_are_not_mistaken_for_settings() -> None:
    # CI exports these; a command run inside the test suite must still start.
    load_settings({"FLOWDESK_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1/test",
                   "FLOWDESK_REQUIRE_POSTGRES": "1", "FLOWDESK_REQUIRE_BROWSER": "1"})


def test_docs_roles_md_is_the_policy_table_as_rendered_now() -> None:
    # Regenerate with: flowdesk roles --markdown > docs/roles.md
    roles_md = Path(__file__).resolve().parents[1] / "docs" / "roles.md"
    assert roles_md.read_text(encoding="utf-8") == roles_markdown()


def test_the_readme_links_the_roles_document() -> None:
    assert "docs/roles.md" in README
