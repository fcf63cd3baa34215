"""Optimistic concurrency on edits: ETag on reads, If-Match on updates, 412 when stale."""

from __future__ import annotations

import asyncio

from tests.support import Api


async def test_stale_edit_of_a_volunteer_is_refused(api: Api) -> None:
    read = await api.client.get("/volunteers/1", headers=api.h("staff"))
    tag = read.headers["etag"]
    first = await api.client.patch(
        "/volunteers/1", json={"weekly_cap_hours": 10}, headers={**api.h("staff"), "If-Match": tag}
    )
    assert first.status_code == 200 and first.headers["etag"] != tag
    # The volunteer edits from the same (now stale) version: refused, nothing changed.
    stale = await api.client.patch(
        "/volunteers/1",
        json={"weekly_cap_hours": 4},
        headers={**api.h("volunteer_chen"), "If-Match": tag},
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    assert (await api.get("/volunteers/1", "staff"))["weekly_cap_hours"] == 10
    # With the current tag, or without If-Match at all, the edit goes through.
    fresh = await api.client.patch(
        "/volunteers/1",
        json={"weekly_cap_hours": 4},
        headers={**api.h("volunteer_chen"), "If-Match": first.headers["etag"]},
    )
    assert fresh.status_code == 200
    await api.patch("/volunteers/1", "volunteer_chen", {"weekly_cap_hours": 6})


async def test_two_simultaneous_edits_from_one_version_one_wins(api: Api) -> None:
    read = await api.client.get("/communities/1/settings", headers=api.h("staff"))
    tag, body = read.headers["etag"], read.json()
    answers = await asyncio.gather(
        *(
            api.client.put(
                "/communities/1/settings",
                json={**body, "broadcast_top_n": n},
                headers={**api.h("staff"), "If-Match": tag},
            )
            for n in (2, 5)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200)
    now = await api.client.get("/communities/1/settings", headers=api.h("staff"))
    assert now.json()["broadcast_top_n"] == winner.json()["broadcast_top_n"]
    assert now.headers["etag"] == winner.headers["etag"]
