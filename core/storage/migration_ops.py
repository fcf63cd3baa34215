"""Migration operations tortoise 1.1 lacks.

``AddField`` of a NOT NULL column emits no SQL ``DEFAULT``, which SQLite refuses on a table
(``Cannot add a NOT NULL column with default value NULL``) and PostgreSQL refuses on a
table with rows. ``AddFieldWithDefault`` records the same migration state as ``AddField``
but adds the column with a literal default, so upgrading a database that has data works on
both.
"""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


class AddFieldWithDefault(ops.AddField):
    def __init__(self, model_name: str, name: str, field: Any, sql_default: str) -> None:
        super().__init__(model_name, name, field)
        self.sql_default = sql_default

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        field = model._meta.fields_map[self.name]
        dialect = state_editor.client.capabilities.dialect
        sql_type = field.get_for_dialect(dialect, "SQL_TYPE")
        column = field.source_field or self.name
        await state_editor.client.execute_script(
            f'ALTER TABLE "{model._meta.db_table}" ADD COLUMN "{column}" {sql_type} '
            f"NOT NULL DEFAULT {self.sql_default}"
        )


class AlterFieldKeepingReferences(ops.AlterField):
    """``AlterField`` that also works when SQLite must rebuild a table other tables point at.

    Tortoise rebuilds the table (new table, copy, drop, rename); with foreign keys enforced
    the drop fails on the rows that point at it. On SQLite this turns enforcement off around
    the rebuild, as SQLite's documentation prescribes for table rebuilds, then checks that
    every reference still resolves, and creates the table's indexes again (the rebuild
    drops them). Other databases alter the column in place.
    """

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        sqlite = state_editor is not None and state_editor.client.capabilities.dialect == "sqlite"
        indexes: list[str] = []
        if sqlite:
            table = new_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.db_table
            # The rebuild drops the table's indexes with it: note them to create them again.
            _, rows = await state_editor.client.execute_query(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                [table],
            )
            indexes = [row[0] for row in rows]
            await state_editor.client.execute_script("PRAGMA foreign_keys = OFF")
        try:
            await super().database_forward(app_label, old_state, new_state, state_editor)
            for sql in indexes:
                await state_editor.client.execute_script(
                    sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(
                        "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1
                    )
                )
        finally:
            if sqlite:
                await state_editor.client.execute_script("PRAGMA foreign_keys = ON")
        if sqlite:
            _, broken = await state_editor.client.execute_query("PRAGMA foreign_key_check")
            if broken:
                raise RuntimeError(f"references broken by rebuilding a table: {broken[:5]}")
