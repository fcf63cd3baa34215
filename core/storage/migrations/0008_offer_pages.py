"""A volunteer's offers, most urgent first, read in index order.

``GET /offers`` for a volunteer sorted every offer ever made to them by their requests'
priority and start, joining each to its request, for every page: a volunteer's history only
grows (each job offered, answered, done), and the list is what their phone polls. Each offer
now carries its request's priority, as it carries its window (0007): a request's priority is
set when it is filed and never changes, so the copy cannot go stale. The pages read the
offer table's own indexes, in the page's order (priority highest first, then start and id),
for all of a volunteer's offers and for those of one status, and stop after the page.

Offers already stored get their request's priority here; the column's default only serves
this backfill and is dropped afterwards on PostgreSQL (the application always writes it).
The same index text works on SQLite and PostgreSQL; an index declared on the model cannot
say DESC, so they are created here, as 0006 does for requests.
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from core.storage.migration_ops import AddFieldWithDefault

INDEXES = {
    "offer_volunteer_page": "volunteer_id",
    "offer_volunteer_status_page": "volunteer_id, status",
}


async def forward(apps: Any, state_editor: Any) -> None:
    client = state_editor.client
    await client.execute_script(
        "UPDATE offer SET priority = "
        "(SELECT r.priority FROM service_request r WHERE r.id = offer.request_id)"
    )
    if client.capabilities.dialect != "sqlite":
        await client.execute_script("ALTER TABLE offer ALTER COLUMN priority DROP DEFAULT")
    for name, columns in INDEXES.items():
        await client.execute_script(
            f"CREATE INDEX IF NOT EXISTS {name} ON offer ({columns}, priority DESC, starts_at, id)"
        )


async def backward(apps: Any, state_editor: Any) -> None:
    for name in INDEXES:
        await state_editor.client.execute_script(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_offer_window")]

    initial = False

    operations = [
        AddFieldWithDefault(
            model_name="Offer",
            name="priority",
            field=fields.IntField(),
            sql_default="0",
        ),
        ops.RunPython(forward, backward),
    ]
