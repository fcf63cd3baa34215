from __future__ import annotations

from typing import Any

from core.plugins import ServiceLine, hookimpl
from core.plugins.line import StorageApp, StoredRequest
from plugins.cleaning.line import CleaningLine

LINE = CleaningLine()


@hookimpl
def service_lines() -> list[ServiceLine]:
    return [LINE]


@hookimpl
def storage_app() -> StorageApp:
    return StorageApp(
        label="cleaning", models="plugins.cleaning.models", migrations="plugins.cleaning.migrations"
    )


@hookimpl
def api_routes() -> list[Any]:
    from plugins.cleaning.api import CleaningController

    return [CleaningController]


@hookimpl
async def request_stored(request: StoredRequest) -> None:
    """Keep the confirmed fee and reserve the machines, inside the booking's transaction."""
    if request.line == LINE.key:
        from plugins.cleaning.service import reserve

        await reserve(LINE, request)


@hookimpl
async def request_closed(request: StoredRequest, status: str) -> None:
    if request.line == LINE.key:
        from plugins.cleaning.service import release

        await release(request)


@hookimpl
async def demo(services: Any, community_id: int, staff: Any) -> None:
    from plugins.cleaning.demo import load

    await load(services, community_id, staff)
