"""Guards the database itself keeps, behind the application's own checks.

* A request never has more seats filled than it has (``0 <= filled <= seats``): a CHECK
  constraint on PostgreSQL, triggers on SQLite (which cannot add a constraint to a table
  without rebuilding it).
* PostgreSQL only: no two booked slots of one account overlap in time, as ranges. The
  unique (account, starts_at) index already refuses two bookings of the same 5-minute slot
  on both databases; the exclusion constraint also refuses a slot that overlaps another
  without starting at the same moment, should anything ever write one off the 5-minute grid.
  It needs the ``btree_gist`` extension (shipped with PostgreSQL; a trusted extension, so
  the database's owner may create it).
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE service_request ADD CONSTRAINT service_request_filled_within_seats "
    "CHECK (filled >= 0 AND filled <= seats)",
    # timestamptz + interval is only STABLE in general (days and months depend on the zone);
    # five minutes do not, so this wrapper may be declared IMMUTABLE, as an index needs.
    "CREATE OR REPLACE FUNCTION redbutler_slot_range(timestamptz) RETURNS tstzrange "
    "LANGUAGE sql IMMUTABLE AS $$ SELECT tstzrange($1, $1 + interval '5 minutes') $$",
    "ALTER TABLE volunteer_slot ADD CONSTRAINT volunteer_slot_no_overlap EXCLUDE USING gist "
    "(account_id WITH =, redbutler_slot_range(starts_at) WITH &&)",
]
PG_BACKWARD = [
    "ALTER TABLE volunteer_slot DROP CONSTRAINT IF EXISTS volunteer_slot_no_overlap",
    "ALTER TABLE service_request DROP CONSTRAINT IF EXISTS service_request_filled_within_seats",
    "DROP FUNCTION IF EXISTS redbutler_slot_range(timestamptz)",
]
SQLITE_FORWARD = [
    f"CREATE TRIGGER IF NOT EXISTS service_request_filled_within_seats_{when.lower()} "
    f"BEFORE {when} ON service_request "
    "WHEN NEW.filled < 0 OR NEW.filled > NEW.seats "
    "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: service_request_filled_within_seats'); "
    "END"
    for when in ("INSERT", "UPDATE")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS service_request_filled_within_seats_{when}"
    for when in ("insert", "update")
]


async def _run(state_editor: Any, sqlite: list[str], postgres: list[str]) -> None:
    is_sqlite = state_editor.client.capabilities.dialect == "sqlite"
    for statement in sqlite if is_sqlite else postgres:
        await state_editor.client.execute_script(statement)


async def forward(apps: Any, state_editor: Any) -> None:
    await _run(state_editor, SQLITE_FORWARD, PG_FORWARD)


async def backward(apps: Any, state_editor: Any) -> None:
    await _run(state_editor, SQLITE_BACKWARD, PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_lookup_indexes")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
