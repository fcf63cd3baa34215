"""The phones of those who may collect a child, in E.164, as members' phones are (core
migration 0009): each stored number that reads as one is rewritten, one that does not is
kept as it was."""

import json
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from core.domain.phone import stored


def _rewritten(collectors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**c, "phone": stored(c["phone"])} if isinstance(c.get("phone"), str) else c
        for c in collectors
    ]


async def forward(apps: Any, state_editor: Any) -> None:
    client = state_editor.client
    sqlite = client.capabilities.dialect == "sqlite"
    _, rows = await client.execute_query("SELECT id, collectors FROM afterschool_child")
    changed = []
    for row in rows:
        raw = row["collectors"]
        collectors = json.loads(raw) if isinstance(raw, str | bytes) else raw
        rewritten = _rewritten(collectors)
        if rewritten != collectors:
            changed.append([json.dumps(rewritten, separators=(",", ":")), row["id"]])
    if changed:
        first, second = ("?", "?") if sqlite else ("$1::jsonb", "$2")
        await client.execute_many(
            f"UPDATE afterschool_child SET collectors = {first} WHERE id = {second}", changed
        )


async def backward(apps: Any, state_editor: Any) -> None:
    """Nothing to undo: E.164 is a number as good as the one typed."""


class Migration(migrations.Migration):
    dependencies = [("afterschool", "0001_initial"), ("core", "0009_phones_e164")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
