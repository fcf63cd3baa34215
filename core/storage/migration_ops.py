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
