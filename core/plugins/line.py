"""``ServiceLine``: what one service line owns, handed to the core through a hook.

Behaviour with exactly one owner per line (its details schema, required skills, team size,
duration, validation, priority) lives here; behaviour with many contributors (vetoes,
lifecycle events) is a pluggy hook in :mod:`core.plugins.hookspecs`.

Everything here is synchronous and pure: the core loads what a method needs first and
passes plain structs in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import msgspec

from core.domain.errors import FieldProblem, InvalidInput
from core.domain.time import Interval


class Skill(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of the skill vocabulary (``key`` is what volunteers and requests name)."""

    key: str
    title: str
    description: str = ""


class StorageApp(msgspec.Struct, frozen=True, kw_only=True):
    """A plugin's own tables: a tortoise app with its models and migrations modules.

    ``label`` is the app label (table prefixes are the plugin's business); its migrations
    may depend on ``("core", "<migration>")`` to reference core tables.
    """

    label: str
    models: str  # dotted module path
    migrations: str  # dotted package path


class NoSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Settings schema of a line that has none."""


class ServiceType(msgspec.Struct, frozen=True, kw_only=True):
    """One bookable service of a line, e.g. ``errands/groceries``."""

    key: str
    title: str
    details: type[msgspec.Struct]
    required_skills: frozenset[str]
    default_duration: timedelta
    team_size: int = 1
    description: str = ""
    # Staff-granted credentials every volunteer on it needs (e.g. "child-safeguarding").
    required_credentials: frozenset[str] = frozenset()


class Requirements(msgspec.Struct, frozen=True, kw_only=True):
    """What one request needs: how many volunteers, each holding every one of ``skills``.

    ``seat_skills`` gives each seat its own skills instead (one driver and one carrier:
    ``(frozenset({"driving"}), frozenset({"carrying"}))``); when set, its length is the
    team size and ``skills`` is ignored.
    """

    team_size: int
    skills: frozenset[str]
    seat_skills: tuple[frozenset[str], ...] | None = None
    credentials: frozenset[str] = frozenset()  # staff-granted, needed by every seat

    def seats(self) -> list[frozenset[str]]:
        if self.seat_skills:
            return list(self.seat_skills)
        return [self.skills] * self.team_size


class ResidentInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a line may know of the resident a request is for."""

    elderly: bool = False
    lives_alone: bool = False
    no_smartphone: bool = False
    building: str | None = None


class RequestDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A request as the core has parsed it, before it is stored.

    ``details`` is already an instance of the service type's ``details`` struct.
    """

    community_id: int
    line: str
    service: str
    details: Any
    window: Interval
    resident: ResidentInfo
    building: str | None
    filed_by_staff: bool


class StoredRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A request as stored, for hooks that run inside its transaction."""

    id: int
    community_id: int
    line: str
    service: str
    details: dict[str, Any]
    window: Interval
    building: str | None


class ServiceLine:
    """Base class of a service line. Subclasses set the class attributes and may override
    ``requirements``, ``validate`` and ``priority``.

    ``settings`` is the per-community settings struct (defaults on every field); staff set it
    through the API and the core hands the decoded value to each method.
    """

    key: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    services: ClassVar[tuple[ServiceType, ...]]
    skills: ClassVar[tuple[Skill, ...]] = ()
    settings: ClassVar[type[msgspec.Struct]] = NoSettings
    max_duration: ClassVar[timedelta] = timedelta(hours=8)

    def service(self, key: str) -> ServiceType:
        for service in self.services:
            if service.key == key:
                return service
        known = ", ".join(s.key for s in self.services)
        raise InvalidInput.field(
            "service", f"unknown service {key!r} of {self.key} (known: {known})"
        )

    def default_settings(self) -> msgspec.Struct:
        return self.settings()

    def decode_settings(self, raw: dict[str, Any]) -> msgspec.Struct:
        try:
            return msgspec.convert(raw, self.settings)
        except msgspec.ValidationError as exc:
            raise invalid_from_msgspec(exc, "settings") from None

    def decode_details(self, service: ServiceType, raw: dict[str, Any]) -> msgspec.Struct:
        try:
            return msgspec.convert(raw, service.details)
        except msgspec.ValidationError as exc:
            raise invalid_from_msgspec(exc, "details") from None

    def requirements(self, service: ServiceType, details: Any, settings: Any) -> Requirements:
        """Team size and skills for one request; by default the service type's."""
        return Requirements(
            team_size=service.team_size,
            skills=service.required_skills,
            credentials=service.required_credentials,
        )

    def validate(self, draft: RequestDraft, settings: Any) -> list[FieldProblem]:
        """Rules that span fields or depend on the community's settings. Empty means valid."""
        return []

    def priority(self, draft: RequestDraft, settings: Any) -> int:
        """Higher first in queues and re-offer sweeps. Default 0."""
        return 0


def invalid_from_msgspec(exc: msgspec.ValidationError, prefix: str) -> InvalidInput:
    """Turn msgspec's ``Expected `int`, got `str` - at `$.items[0].qty``` into a field problem."""
    message = str(exc)
    field = prefix
    if " - at `$" in message:
        message, _, path = message.rpartition(" - at `$")
        field = prefix + path.rstrip("`")
    return InvalidInput(f"{field}: {message}", problems=[FieldProblem(field, message)])
