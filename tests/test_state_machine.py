"""A hypothesis state machine drives bookings, accepts, declines, cancellations, expiry
and enrolments through the API in random order, and after every step checks the
invariants: no seat overfilled (and the counter agrees with the holders), no volunteer with
overlapping accepted work, every history starting with its creation, no class over its
seat limit (and its counter agreeing with the enrolled children). It runs on whichever
database the suite runs on."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from core.services.sweeper import tick
from tests.support import Api, groceries, running_api, template_database

TOKENS = {1: "volunteer_chen", 2: "volunteer_liu", 3: "volunteer_zhao"}
_root = Path(tempfile.mkdtemp(prefix="rb-state-"))
_runs = itertools.count()


class Marketplace(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        tmp = _root / f"run{next(_runs)}"
        tmp.mkdir()
        # No rate limit: the invariants read every request after every step, which in a
        # long run is more than one account's calls a minute (the limit has its own tests).
        self._cm = running_api(tmp, template_database(_root), rate_limit=0)
        self.api: Api = self.run(self._cm.__aenter__())
        classes = self.run(self.api.get("/afterschool/communities/1/classes", "staff"))
        self.class_id = classes[0]["id"]
        self.run(
            self.api.put(
                f"/afterschool/classes/{self.class_id}/seat-limit", "staff", {"seat_limit": 2}
            )
        )
        self.children = [
            self.run(
                self.api.post(
                    "/afterschool/children",
                    "resident",
                    {
                        "community_id": 1,
                        "name": f"Child {i}",
                        "collectors": [{"name": "Zhang Wei"}],
                    },
                )
            )["id"]
            for i in range(3)
        ]

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self._cm.__aexit__(None, None, None))
        self.loop.close()

    def act(self, method: str, url: str, who: str, **kw: Any) -> None:
        """One step. It may be refused (the slot is taken, the class is full, the offer
        was answered): never with a server error."""
        response = self.run(self.api.client.request(method, url, headers=self.api.h(who), **kw))
        assert response.status_code < 500, (method, url, response.status_code, response.text)

    def _offers(self, status: str) -> list[dict[str, Any]]:
        url = f"/offers?community_id=1&status={status}&limit=200"
        return self.run(self.api.get(url, "staff"))  # type: ignore[no-any-return]

    def _requests(self) -> list[dict[str, Any]]:
        return self.run(self.api.get("/requests?community_id=1&limit=200", "staff"))  # type: ignore[no-any-return]

    @rule(
        resident=st.sampled_from([1, 2, 3]),
        day=st.integers(1, 2),
        start=st.sampled_from(["09:00", "14:00", "15:00", "15:30", "16:00", "18:00"]),
        hours=st.sampled_from([1, 2]),
    )
    def book(self, resident: int, day: int, start: str, hours: int) -> None:
        end = f"{int(start[:2]) + hours:02d}{start[2:]}"
        body = groceries(resident_id=resident, day=day, start=start, end=end)
        self.act("POST", "/requests", "staff", json=body)

    @rule(pick=st.integers(0, 50), accept=st.booleans())
    def answer(self, pick: int, accept: bool) -> None:
        offers = self._offers("offered")
        if offers:
            o = offers[pick % len(offers)]
            url = f"/offers/{o['id']}/{'accept' if accept else 'decline'}"
            self.act("POST", url, TOKENS[o["volunteer_id"]], json={})

    @rule(pick=st.integers(0, 50))
    def cancel(self, pick: int) -> None:
        requests = self._requests()
        if requests:
            url = f"/requests/{requests[pick % len(requests)]['id']}/cancel"
            self.act("POST", url, "staff", json={})

    @rule(minutes=st.sampled_from([30, 130]))
    def time_passes(self, minutes: int) -> None:
        self.api.clock.advance(minutes=minutes)
        self.run(tick(self.api.app.state.services))

    @rule(child=st.integers(0, 2))
    def enrol(self, child: int) -> None:
        url = f"/afterschool/classes/{self.class_id}/enrolments"
        body = {"child_id": self.children[child]}
        self.act("POST", url, "resident", json=body)

    @rule(pick=st.integers(0, 10))
    def withdraw(self, pick: int) -> None:
        url = f"/afterschool/classes/{self.class_id}/enrolments"
        enrolments = self.run(self.api.get(url, "resident"))
        if enrolments:
            e = enrolments[pick % len(enrolments)]
            url = f"/afterschool/enrolments/{e['id']}"
            self.act("DELETE", url, "resident")

    @invariant()
    def seats_and_holders_agree(self) -> None:
        for r in self._requests():
            holders = [a for a in r["assignments"] if a["status"] in ("accepted", "completed")]
            assert r["filled"] == len(holders) <= r["seats"], r

    @invariant()
    def nobody_holds_overlapping_work(self) -> None:
        accepted = self._offers("accepted")
        for vid in TOKENS:
            spans = sorted(
                (o["job"]["window"]["start"], o["job"]["window"]["end"])
                for o in accepted
                if o["volunteer_id"] == vid
            )
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans

    @invariant()
    def histories_start_with_creation(self) -> None:
        for r in self._requests():
            full = self.run(self.api.get(f"/requests/{r['id']}", "staff"))
            assert full["history"][0]["event"] == "created"

    @invariant()
    def the_class_is_never_over_its_limit(self) -> None:
        k = self.run(self.api.get(f"/afterschool/classes/{self.class_id}", "staff"))
        url = f"/afterschool/classes/{self.class_id}/enrolments"
        enrolled = [e for e in self.run(self.api.get(url, "staff")) if e["status"] == "enrolled"]
        assert k["enrolled"] == len(enrolled) <= k["seat_limit"]


# CI's run; a longer one: REDBUTLER_STATE_EXAMPLES=120 REDBUTLER_STATE_STEPS=30.
Marketplace.TestCase.settings = settings(
    max_examples=int(os.environ.get("REDBUTLER_STATE_EXAMPLES", "8")),
    stateful_step_count=int(os.environ.get("REDBUTLER_STATE_STEPS", "15")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TestMarketplace = Marketplace.TestCase
