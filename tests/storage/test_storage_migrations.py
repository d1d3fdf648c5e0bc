"""One migration chain for both databases: `upgrade head` on an empty database matches the
models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from flowdesk.storage.migrate import alembic_config, upgrade
from flowdesk.storage.tables import metadata


def test_upgrade_head_on_an_empty_database_matches_the_models(engine: Engine) -> None:
    # `engine` is an empty database that the fixture has just upgraded to head.
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": False})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_head_creates_every_table_of_the_models(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_the_database_is_stamped_with_the_newest_revision(engine: Engine) -> None:
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_the_migration_chain_is_one_line_of_revisions(engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_a_database_url_with_percent_escapes_reaches_alembic_intact() -> None:
    # A percent-encoded password or query (`?options=-csearch_path%3D...`) must not trip
    # Alembic's config parser, which treats "%" as the start of an interpolation.
    url = "postgresql+psycopg://flow:p%40ss@127.0.0.1/test?options=-csearch_path%3Dbench"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url
