"""Phone numbers in E.164.

Numbers were checked against a pattern and stored as typed (``+86 138 0000 0001``,
``138-0000-0001``); they are now checked against the numbering plans and stored in E.164
(``core.domain.phone``). Each stored number that reads as one is rewritten in E.164; one
that does not (typed before the check, e.g. ``123``) is kept as it was, not lost.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from core.domain.phone import stored


async def forward(apps: Any, state_editor: Any) -> None:
    client = state_editor.client
    sqlite = client.capabilities.dialect == "sqlite"
    _, rows = await client.execute_query("SELECT id, phone FROM account WHERE phone IS NOT NULL")
    changed = [
        [stored(row["phone"]), row["id"]] for row in rows if stored(row["phone"]) != row["phone"]
    ]
    if changed:
        first, second = ("?", "?") if sqlite else ("$1", "$2")
        await client.execute_many(f"UPDATE account SET phone = {first} WHERE id = {second}", changed)


async def backward(apps: Any, state_editor: Any) -> None:
    """Nothing to undo: E.164 is a number as good as the one typed."""


class Migration(migrations.Migration):
    dependencies = [("core", "0008_offer_pages")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
