"""The plugin contract: loading, discovery, clear errors, per-community lines, events."""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from litestar import get
from litestar.di import NamedDependency

from core.domain.access import Principal
from core.domain.errors import Conflict, FieldProblem, PluginError
from core.domain.events import NotificationOut, RequestEvent
from core.matching import Candidate, Need
from core.plugins import RequestDraft, ServiceLine, ServiceType, Skill, hookimpl, hookspecs
from core.plugins.line import StoredRequest
from core.plugins.manager import build_plugin_host
from core.services.sweeper import tick
from tests.support import groceries, running_api

HOOKS = [
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "redbutler_spec")
]


def test_every_hook_is_documented() -> None:
    assert set(HOOKS) == {
        "service_lines",
        "skills",
        "storage_app",
        "api_routes",
        "demo",
        "request_stored",
        "request_closed",
        "validate_request",
        "veto_candidate",
        "adjust_score",
        "request_event",
        "deliver_notification",
    }
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 80, f"hook {name} needs a docstring saying when it is called"
        readme = (Path(__file__).parents[1] / "README.md").read_text()
        assert f"`{name}`" in readme, f"hook {name} is not documented in the README"


def test_every_hook_has_a_test() -> None:
    source = Path(__file__).read_text()
    for name in HOOKS:
        assert f"def {name}(" in source, f"no test plugin implements {name}"


def test_builtin_lines_and_skills() -> None:
    host = build_plugin_host(load_entry_points=False)
    assert {"errands", "afterschool"} <= host.lines.keys()
    assert {"shopping", "delivery", "carrying", "medicine-pickup"} <= host.skills.keys()
    assert {"homework-help", "maths"} <= host.skills.keys()
    assert {p.source for p in host.plugins} == {"builtin"}
    assert sorted(a.label for a in host.storage_apps) == ["afterschool", "cleaning", "patrol"]


def _install_dist(tmp_path: Path, name: str, module: str, code: str) -> None:
    """A real installed distribution with a 'redbutler' entry point, on sys.path."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(code))
    info = tmp_path / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[redbutler]\n{name} = {module}\n")


@pytest.fixture
def site(tmp_path: Path) -> Any:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for mod in [m for m in sys.modules if m.startswith("rb_test_")]:
        del sys.modules[mod]


def test_third_party_plugin_is_discovered_without_code_change(site: Path) -> None:
    _install_dist(
        site,
        "redbutler-repairs",
        "rb_test_repairs",
        """
        from datetime import timedelta
        import msgspec
        from core.plugins import ServiceLine, ServiceType, Skill, hookimpl

        class Fix(msgspec.Struct, forbid_unknown_fields=True):
            what: str

        class Repairs(ServiceLine):
            key = "repairs"
            title = "Pipe, lock and wiring repairs"
            skills = (Skill(key="plumbing", title="Plumbing"),)
            services = (ServiceType(key="pipe", title="Leaking pipe", details=Fix,
                                    required_skills=frozenset({"plumbing"}),
                                    default_duration=timedelta(hours=1)),)

        @hookimpl
        def service_lines():
            return [Repairs()]
    """,
    )
    host = build_plugin_host()
    assert "repairs" in host.lines and "plumbing" in host.skills
    info = next(p for p in host.plugins if p.name == "redbutler-repairs")
    assert (info.source, info.distribution, info.version, info.lines) == (
        "entry point",
        "redbutler-repairs",
        "1.0",
        ["repairs"],
    )


def test_broken_plugin_names_itself(site: Path) -> None:
    _install_dist(site, "redbutler-broken", "rb_test_broken", "import not_a_module_anywhere\n")
    with pytest.raises(PluginError, match=r"'redbutler-broken'.*failed to load"):
        build_plugin_host()


def test_misspelt_hook_fails_at_start_up(site: Path) -> None:
    _install_dist(
        site,
        "redbutler-typo",
        "rb_test_typo",
        """
        from core.plugins import hookimpl

        @hookimpl
        def service_line():
            return []
    """,
    )
    with pytest.raises(PluginError, match="unknown hook"):
        build_plugin_host()


def test_line_needing_unknown_skill_is_refused() -> None:
    class Bad(ServiceLine):
        key = "bad"
        title = "Bad"
        services: ClassVar[tuple[ServiceType, ...]] = (
            ServiceType(
                key="x",
                title="X",
                details=msgspec.Struct,
                required_skills=frozenset({"levitation"}),
                default_duration=__import__("datetime").timedelta(hours=1),
            ),
        )

    class Plugin:
        @hookimpl
        def service_lines(self) -> list[ServiceLine]:
            return [Bad()]

    with pytest.raises(PluginError, match="levitation"):
        build_plugin_host(load_entry_points=False, extra=[("bad-line", Plugin())])


class Recorder:
    """A plugin that vetoes budgets over 35 yuan on Sundays and records every event."""

    def __init__(self) -> None:
        self.events: list[RequestEvent] = []

    @hookimpl
    def skills(self) -> list[Skill]:
        return [Skill(key="first-aid", title="First aid")]

    @hookimpl
    def validate_request(self, draft: RequestDraft) -> list[FieldProblem]:
        if draft.details.budget_yuan > 35 and draft.window.start.weekday() == 6:
            return [FieldProblem("details.budget_yuan", "no big shops on Sunday here")]
        return []

    @hookimpl
    async def request_event(self, event: RequestEvent) -> None:
        self.events.append(event)


async def test_hooks_veto_contribute_and_hear_events_after_commit(
    tmp_path: Path, template: Path
) -> None:
    recorder = Recorder()
    host = build_plugin_host(load_entry_points=False, extra=[("recorder", recorder)])
    assert "first-aid" in host.skills
    async with running_api(tmp_path, template, host=host) as api:
        vetoed = await api.post("/requests", "staff", groceries(day=1), expect=422)
        assert vetoed["errors"] == [
            {"field": "details.budget_yuan", "message": "no big shops on Sunday here"}
        ]
        assert recorder.events == []  # nothing committed, nothing told
        req = await api.post("/requests", "staff", groceries(day=2))
        assert [e.kind for e in recorder.events] == ["created", "offered"]
        assert all(e.request_id == req["id"] for e in recorder.events)
        # A failing accept (rolled back) emits nothing.
        offer = (await api.get("/offers", "volunteer_chen"))[0]
        await api.post(f"/offers/{offer['id']}/decline", "volunteer_chen", {}, expect=200)
        before = len(recorder.events)
        await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=409)
        assert len(recorder.events) == before


async def test_plugin_failure_in_event_does_not_break_the_call(
    tmp_path: Path, template: Path
) -> None:
    class Crashy:
        @hookimpl
        def request_event(self, event: RequestEvent) -> None:
            raise RuntimeError("mail server down")

    host = build_plugin_host(load_entry_points=False, extra=[("crashy", Crashy())])
    async with running_api(tmp_path, template, host=host) as api:
        await api.post("/requests", "staff", groceries())


class MatchPolicy:
    """Keeps Liu Yang off errands (on probation), favours Zhao Min, and collects what the
    scheduler delivers (an SMS gateway would send it)."""

    def __init__(self) -> None:
        self.sent: list[NotificationOut] = []

    @hookimpl
    def veto_candidate(self, need: Need, candidate: Candidate) -> str | None:
        if need.line == "errands" and candidate.name == "Liu Yang":
            return "on probation until January"
        return None

    @hookimpl
    def adjust_score(self, need: Need, candidate: Candidate) -> dict[str, float] | None:
        return {"knows_the_market": 10.0} if candidate.name == "Zhao Min" else None

    @hookimpl
    async def deliver_notification(self, notification: NotificationOut) -> None:
        self.sent.append(notification)


async def test_matching_hooks_and_delivery(tmp_path: Path, template: Path) -> None:
    policy = MatchPolicy()
    host = build_plugin_host(load_entry_points=False, extra=[("policy", policy)])
    async with running_api(tmp_path, template, host=host) as api:
        req = await api.post("/requests", "staff", groceries(day=2, start="15:00", end="16:00"))
        offers = await api.get(f"/offers?community_id={req['community_id']}", "staff")
        assert [o["volunteer_name"] for o in offers] == ["Zhao Min"]  # the bonus beat Chen
        assert offers[0]["score_breakdown"]["knows_the_market"] == 10.0
        seen = await api.get(f"/requests/{req['id']}/candidates", "staff")
        liu = next(c for c in seen if c["name"] == "Liu Yang")
        assert liu["eligible"] is False
        assert liu["reasons"] == ["on probation until January"]

        # Nothing is delivered until the scheduler runs; then exactly once.
        assert policy.sent == []
        services = api.app.state.services
        assert (await tick(services))["delivered"] == 1
        assert (await tick(services))["delivered"] == 0
        assert [n.kind for n in policy.sent] == ["offer"]
        assert policy.sent[0].offer_id == offers[0]["id"]


class Repairs:
    """A plugin with its own endpoint (and, wrongly, a table app named like the core's)."""

    @hookimpl
    def api_routes(self) -> list[Any]:
        @get("/repairs/ping", tags=["repairs"], summary="Who is asking")
        async def ping(who: NamedDependency[Principal]) -> dict[str, Any]:
            return {"account_id": who.account_id}

        return [ping]


async def test_plugin_routes_are_served_authenticated_and_documented(
    tmp_path: Path, template: Path
) -> None:
    host = build_plugin_host(load_entry_points=False, extra=[("repairs", Repairs())])
    async with running_api(tmp_path, template, host=host) as api:
        assert (await api.get("/repairs/ping", "staff"))["account_id"] > 0
        assert (await api.client.get("/repairs/ping")).status_code == 401
        schema = (await api.client.get("/schema/openapi.json")).json()
        assert "/repairs/ping" in schema["paths"]


def test_storage_app_labels_must_be_unique() -> None:
    from core.plugins.line import StorageApp

    class Clash:
        @hookimpl
        def storage_app(self) -> StorageApp:
            return StorageApp(label="core", models="x.models", migrations="x.migrations")

    with pytest.raises(PluginError, match="not a unique app"):
        build_plugin_host(load_entry_points=False, extra=[("clash", Clash())])


class DemoData:
    def __init__(self) -> None:
        self.seen: list[tuple[int, bool]] = []

    @hookimpl
    async def demo(self, services: Any, community_id: int, staff: Principal) -> None:
        self.seen.append((community_id, staff.is_staff(community_id)))


async def test_plugins_add_their_part_of_the_demo(tmp_path: Path, template: Path) -> None:
    data = DemoData()
    host = build_plugin_host(load_entry_points=False, extra=[("demo-data", data)])
    async with running_api(tmp_path, template, host=host) as api:
        assert data.seen == [(1, True)]  # once, for the demo compound, with its staff
        classes = await api.get("/afterschool/communities/1/classes", "resident")
        assert [(k["seat_limit"], k["enrolled"]) for k in classes] == [(110, 1)]


class Ledger:
    """Refuses, inside the booking's transaction, any errand with a 13-yuan budget; notes
    what it was told."""

    def __init__(self) -> None:
        self.stored: list[int] = []
        self.closed: list[tuple[int, str]] = []

    @hookimpl
    async def request_stored(self, request: StoredRequest) -> None:
        if request.details.get("budget_yuan") == 13:
            raise Conflict("unlucky budget")
        self.stored.append(request.id)

    @hookimpl
    def request_closed(self, request: StoredRequest, status: str) -> None:
        self.closed.append((request.id, status))


async def test_in_transaction_hooks_can_refuse_and_release(tmp_path: Path, template: Path) -> None:
    ledger = Ledger()
    host = build_plugin_host(load_entry_points=False, extra=[("ledger", ledger)])
    async with running_api(tmp_path, template, host=host) as api:
        body = groceries()
        body["details"]["budget_yuan"] = 13
        await api.post("/requests", "staff", body, expect=409)
        assert await api.get("/requests?community_id=1", "staff") == []  # nothing half-written
        req = await api.post("/requests", "staff", groceries())
        assert ledger.stored == [req["id"]]
        await api.post(f"/requests/{req['id']}/cancel", "staff", {}, expect=200)
        assert ledger.closed == [(req["id"], "cancelled")]
