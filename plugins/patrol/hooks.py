from __future__ import annotations

from typing import Any

from core.plugins import ServiceLine, hookimpl
from core.plugins.line import StorageApp
from plugins.patrol.line import PatrolLine


@hookimpl
def service_lines() -> list[ServiceLine]:
    return [PatrolLine()]


@hookimpl
def storage_app() -> StorageApp:
    return StorageApp(
        label="patrol", models="plugins.patrol.models", migrations="plugins.patrol.migrations"
    )


@hookimpl
def api_routes() -> list[Any]:
    from plugins.patrol.api import PatrolController

    return [PatrolController]


@hookimpl
async def demo(services: Any, community_id: int, staff: Any) -> None:
    from plugins.patrol.demo import load

    await load(services, community_id, staff)
