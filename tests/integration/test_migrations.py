"""The migrations build exactly the schema the models declare (tables, columns, constraints and indexes):
a model change without its migration, or a migration without its model, fails here on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pwa.extensions import db


def test_the_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []
