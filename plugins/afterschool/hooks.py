from __future__ import annotations

from typing import Any

from core.plugins import ServiceLine, hookimpl
from core.plugins.line import StorageApp
from plugins.afterschool.line import AfterschoolLine


@hookimpl
def service_lines() -> list[ServiceLine]:
    return [AfterschoolLine()]


@hookimpl
def storage_app() -> StorageApp:
    return StorageApp(
        label="afterschool",
        models="plugins.afterschool.models",
        migrations="plugins.afterschool.migrations",
    )


@hookimpl
def api_routes() -> list[Any]:
    from plugins.afterschool.api import AfterschoolController

    return [AfterschoolController]


@hookimpl
async def demo(services: Any, community_id: int, staff: Any) -> None:
    from plugins.afterschool.demo import load

    await load(services, community_id, staff)
