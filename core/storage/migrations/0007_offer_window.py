"""Each offer carries its request's window, so whether a volunteer's open offers overlap a
time is read from the offer table's own index (volunteer, status, start, end) instead of
reading every open offer's request: the instant path's shortlist checks it for every free
volunteer, and loading candidates for every candidate.

A request's window never changes once filed, so the copy cannot go stale. Offers already
stored get their request's window here; the column's default only serves this backfill and
is dropped afterwards on PostgreSQL (SQLite cannot drop a default without rebuilding the
table; the application always writes both columns).
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from core.storage.migration_ops import AddFieldWithDefault

EPOCH = "'1970-01-01 00:00:00+00:00'"  # a literal both databases read as a timestamp


async def forward(apps: Any, state_editor: Any) -> None:
    client = state_editor.client
    await client.execute_script(
        "UPDATE offer SET "
        "starts_at = (SELECT r.starts_at FROM service_request r WHERE r.id = offer.request_id), "
        "ends_at = (SELECT r.ends_at FROM service_request r WHERE r.id = offer.request_id)"
    )
    if client.capabilities.dialect != "sqlite":
        await client.execute_script(
            "ALTER TABLE offer ALTER COLUMN starts_at DROP DEFAULT, "
            "ALTER COLUMN ends_at DROP DEFAULT"
        )


async def backward(apps: Any, state_editor: Any) -> None:
    """Nothing to undo: removing the fields drops the columns."""


class Migration(migrations.Migration):
    dependencies = [("core", "0006_request_pages")]

    initial = False

    operations = [
        AddFieldWithDefault(
            model_name="Offer",
            name="starts_at",
            field=fields.DatetimeField(auto_now=False, auto_now_add=False),
            sql_default=EPOCH,
        ),
        AddFieldWithDefault(
            model_name="Offer",
            name="ends_at",
            field=fields.DatetimeField(auto_now=False, auto_now_add=False),
            sql_default=EPOCH,
        ),
        ops.RunPython(forward, backward),
        ops.RemoveIndex(model_name="Offer", name=None, fields=["volunteer_id", "status"]),
        ops.AddIndex(
            model_name="Offer",
            index=Index(fields=["volunteer_id", "status", "starts_at", "ends_at"]),
        ),
    ]
