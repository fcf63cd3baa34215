from __future__ import annotations

import os

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from core.domain.records import ServiceLineRecord, SkillRecord
from core.plugins.manager import PluginInfo
from core.services import Services


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    worker: int  # the serving process (several with --workers N)


@get("/health", tags=["meta"], sync_to_thread=False, summary="Liveness (no token needed)")
def health() -> Health:
    return Health(status="ok", worker=os.getpid())


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
