"""The plugin host: builds a pluggy manager and exposes a typed facade to the rest of core.

Core code calls ``host.line("errands")`` or ``host.validate_request(draft)``, never
``pm.hook.<name>(...)`` (those calls are untyped). Build one host per app with
:func:`build_plugin_host`; tests get a fresh one each time.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Iterable, Sequence
from importlib import metadata
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from core.domain.errors import FieldProblem, InvalidInput, PluginError
from core.domain.events import NotificationOut, RequestEvent
from core.matching import Candidate, Need
from core.plugins import hookspecs
from core.plugins.line import RequestDraft, ServiceLine, Skill, StorageApp, StoredRequest
from core.plugins.markers import PROJECT

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "redbutler"

# Built-in service lines, registered by module path in this order (no entry point needed).
BUILTIN_PLUGINS: tuple[str, ...] = (
    "plugins.errands.hooks",
    "plugins.afterschool.hooks",
    "plugins.cleaning.hooks",
    "plugins.patrol.hooks",
)


class PluginInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Where a registered plugin came from, for ``redbutler plugins`` and the API."""

    name: str
    source: str  # "builtin" or "entry point"
    module: str
    distribution: str | None = None
    version: str | None = None
    lines: list[str] = []


class PluginHost:
    """Typed facade over the pluggy manager; built once per app by :func:`build_plugin_host`."""

    def __init__(self, pm: pluggy.PluginManager, infos: list[PluginInfo]) -> None:
        self._pm = pm
        self.lines: dict[str, ServiceLine] = {}
        owners: dict[str, str] = {}
        for plugin, result in _results_by_plugin(pm, "service_lines"):
            name = pm.get_name(plugin) or repr(plugin)
            for line in result or ():
                if not isinstance(line, ServiceLine):
                    raise PluginError(
                        f"plugin {name!r}: service_lines returned {line!r}, not a ServiceLine"
                    )
                if line.key in self.lines:
                    raise PluginError(
                        f"service line {line.key!r} is contributed by both "
                        f"{owners[line.key]!r} and {name!r}"
                    )
                self.lines[line.key] = line
                owners[line.key] = name
        self.skills: dict[str, Skill] = {}
        contributed: list[tuple[str, Skill]] = [
            (owners[line.key], skill) for line in self.lines.values() for skill in line.skills
        ]
        for plugin, result in _results_by_plugin(pm, "skills"):
            contributed += [(pm.get_name(plugin) or repr(plugin), s) for s in result or ()]
        for name, skill in contributed:
            known = self.skills.get(skill.key)
            if known is not None and known != skill:
                raise PluginError(f"plugin {name!r} redefines skill {skill.key!r}")
            self.skills[skill.key] = skill
        for line in self.lines.values():
            for service in line.services:
                missing = service.required_skills - self.skills.keys()
                if missing:
                    raise PluginError(
                        f"service line {line.key!r} ({owners[line.key]}): service "
                        f"{service.key!r} needs unknown skills {sorted(missing)}"
                    )
        self.storage_apps: list[StorageApp] = []
        for plugin, app in _results_by_plugin(pm, "storage_app"):
            if app is None:
                continue
            name = pm.get_name(plugin) or repr(plugin)
            if (
                not isinstance(app, StorageApp)
                or app.label == "core"
                or app.label in {a.label for a in self.storage_apps}
            ):
                raise PluginError(f"plugin {name!r}: storage_app {app!r} is not a unique app")
            self.storage_apps.append(app)
        self.routes: list[Any] = []
        for _, routes in _results_by_plugin(pm, "api_routes"):
            self.routes.extend(routes or ())
        self.plugins = [
            msgspec.structs.replace(
                info, lines=[k for k, owner in owners.items() if owner == info.name]
            )
            for info in infos
        ]

    def line(self, key: str) -> ServiceLine:
        try:
            return self.lines[key]
        except KeyError:
            known = ", ".join(sorted(self.lines))
            raise InvalidInput.field(
                "line", f"unknown service line {key!r} (known: {known})"
            ) from None

    def unknown_skills(self, keys: Iterable[str]) -> list[str]:
        return sorted(set(keys) - self.skills.keys())

    def validate_request(self, draft: RequestDraft) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        for result in self._pm.hook.validate_request(draft=draft):
            problems.extend(result or ())
        return problems

    @property
    def vets(self) -> bool:
        return bool(self._pm.hook.veto_candidate.get_hookimpls())

    @property
    def adjusts(self) -> bool:
        return bool(self._pm.hook.adjust_score.get_hookimpls())

    def vetoes(self, need: Need, candidate: Candidate) -> list[str]:
        return [r for r in self._pm.hook.veto_candidate(need=need, candidate=candidate) if r]

    def adjustments(self, need: Need, candidate: Candidate) -> dict[str, float]:
        out: dict[str, float] = {}
        for result in self._pm.hook.adjust_score(need=need, candidate=candidate):
            for key, value in (result or {}).items():
                out[key] = out.get(key, 0.0) + float(value)
        return out

    async def deliver(self, notification: NotificationOut) -> None:
        for impl in reversed(self._pm.hook.deliver_notification.get_hookimpls()):
            try:
                result = impl.function(notification=notification)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception(
                    "plugin %r failed to deliver notification %s",
                    impl.plugin_name,
                    notification.id,
                )

    async def stored(self, request: StoredRequest) -> None:
        """Run ``request_stored`` (inside the caller's transaction; errors propagate)."""
        for impl in reversed(self._pm.hook.request_stored.get_hookimpls()):
            result = impl.function(request=request)
            if inspect.isawaitable(result):
                await result

    async def closed(self, request: StoredRequest, status: str) -> None:
        for impl in reversed(self._pm.hook.request_closed.get_hookimpls()):
            result = impl.function(request=request, status=status)
            if inspect.isawaitable(result):
                await result

    async def load_demo(self, services: Any, community_id: int, staff: Any) -> None:
        for impl in reversed(self._pm.hook.demo.get_hookimpls()):
            result = impl.function(services=services, community_id=community_id, staff=staff)
            if inspect.isawaitable(result):
                await result

    async def emit(self, events: Sequence[RequestEvent]) -> None:
        """Deliver events after commit; a failing plugin is logged, never raised to the user."""
        for event in events:
            for impl in reversed(self._pm.hook.request_event.get_hookimpls()):
                try:
                    result = impl.function(event=event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    log.exception(
                        "plugin %r failed on %s event of request %s",
                        impl.plugin_name,
                        event.kind,
                        event.request_id,
                    )


def _results_by_plugin(pm: pluggy.PluginManager, hook: str) -> list[tuple[object, Any]]:
    caller = getattr(pm.hook, hook)
    out = []
    for impl in reversed(caller.get_hookimpls()):
        try:
            out.append((impl.plugin, impl.function()))
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook}: {exc!r}") from exc
    return out


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def build_plugin_host(
    *,
    builtins: Sequence[str] = BUILTIN_PLUGINS,
    load_entry_points: bool = True,
    extra: Iterable[tuple[str, object]] = (),
) -> PluginHost:
    """Register built-ins, then third-party entry points, then ``extra`` (name, plugin) pairs.

    Any plugin that fails to import, clashes with another by name, or implements a hook
    that does not exist raises :class:`PluginError` naming it.
    """
    pm = new_plugin_manager()
    infos: list[PluginInfo] = []
    for path in builtins:
        module = _import(path, f"built-in plugin {path!r}")
        _register(pm, module, path)
        infos.append(PluginInfo(name=path, source="builtin", module=path))
    if load_entry_points:
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist
            label = f"plugin {ep.name!r} (entry point {ep.value!r}"
            label += f" from {dist.name} {dist.version})" if dist else ")"
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(f"{label} failed to load: {exc!r}") from exc
            _register(pm, plugin, ep.name, label)
            infos.append(
                PluginInfo(
                    name=ep.name,
                    source="entry point",
                    module=ep.value,
                    distribution=dist.name if dist else None,
                    version=dist.version if dist else None,
                )
            )
    for name, plugin in extra:
        _register(pm, plugin, name)
        infos.append(
            PluginInfo(name=name, source="extra", module=getattr(plugin, "__name__", name))
        )
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from exc
    return PluginHost(pm, infos)


def _import(path: str, label: str) -> ModuleType:
    try:
        return importlib.import_module(path)
    except Exception as exc:
        raise PluginError(f"{label} failed to import: {exc!r}") from exc


def _register(
    pm: pluggy.PluginManager, plugin: object, name: str, label: str | None = None
) -> None:
    label = label or f"plugin {name!r}"
    if pm.has_plugin(name):
        raise PluginError(f"{label}: a plugin named {name!r} is already registered")
    try:
        pm.register(plugin, name=name)
    except Exception as exc:
        raise PluginError(f"{label} could not be registered: {exc}") from exc
