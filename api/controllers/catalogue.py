from __future__ import annotations

import os

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from core.domain.records import ServiceLineRecord, SkillRecord
from core.plugins.manager import PluginInfo
from core.services import Services
from core.storage.database import ping


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    worker: int  # the serving process (several with --workers N)


@get("/health", tags=["meta"], sync_to_thread=False, summary="Liveness (no token needed)")
def health() -> Health:
    """The process answers; says nothing of the database (see ``/ready``)."""
    return Health(status="ok", worker=os.getpid())


@get("/ready", tags=["meta"], summary="Readiness: the database answers (no token needed)")
async def ready() -> Health:
    """200 when this worker's database answers, else 503 with Retry-After: what a load
    balancer or orchestrator asks before sending calls to the worker."""
    await ping()
    return Health(status="ready", worker=os.getpid())


class CatalogueController(Controller):
    tags = ["catalogue"]

    @get(
        "/service-lines",
        sync_to_thread=False,
        summary="Every installed service line, with "
        "its services, the JSON schema of each service's details, and its settings schema",
    )
    def service_lines(self, services: NamedDependency[Services]) -> list[ServiceLineRecord]:
        return services.communities.catalogue()

    @get("/skills", sync_to_thread=False, summary="The skill vocabulary contributed by plugins")
    def skills(self, services: NamedDependency[Services]) -> list[SkillRecord]:
        return services.communities.skills()

    @get("/plugins", sync_to_thread=False, summary="Registered plugins and where they came from")
    def plugins(self, services: NamedDependency[Services]) -> list[PluginInfo]:
        return services.host.plugins
