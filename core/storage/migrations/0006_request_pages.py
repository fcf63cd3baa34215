"""Pages of requests, most urgent first, read in index order: a compound's (all, or by
status), a resident's, and what an account filed.

The pages (``core.storage.listing.requests``) sort by priority (highest first), then start
and id. The indexes of 0001 on (community_id, status) and of 0003 on (resident_id,
starts_at) and (filed_by_id, starts_at) found the rows but every page sorted all of them;
these replace them, each followed by the page's order, so a page reads its first rows and
stops. The same text works on SQLite and PostgreSQL; an index declared on the model cannot
say DESC, so they are created here.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "service_request_community_page": "community_id",
    "service_request_status_page": "community_id, status",
    "service_request_resident_page": "resident_id",
    "service_request_filed_by_page": "filed_by_id",
}


async def forward(apps: Any, state_editor: Any) -> None:
    for name, columns in INDEXES.items():
        await state_editor.client.execute_script(
            f"CREATE INDEX IF NOT EXISTS {name} "
            f"ON service_request ({columns}, priority DESC, starts_at, id)"
        )


async def backward(apps: Any, state_editor: Any) -> None:
    for name in INDEXES:
        await state_editor.client.execute_script(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_alliance_member_lookup")]

    initial = False

    operations = [
        ops.RunPython(forward, backward),
        ops.RemoveIndex(
            model_name="ServiceRequest",
            name=None,
            fields=["community_id", "status"],
        ),
        ops.RemoveIndex(
            model_name="ServiceRequest",
            name=None,
            fields=["resident_id", "starts_at"],
        ),
        ops.RemoveIndex(
            model_name="ServiceRequest",
            name=None,
            fields=["filed_by_id", "starts_at"],
        ),
    ]
