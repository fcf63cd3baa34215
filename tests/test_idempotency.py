"""Idempotency-Key on POST: a retry returns the first response and creates nothing; the
same key with another body is a 422; a retry while the first call runs is a 409; keys are
per account; refusals are replayed too."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support import Api, groceries


async def post(api: Api, who: str, body: Any, key: str, url: str = "/requests") -> Any:
    headers = {**api.h(who), "Idempotency-Key": key}
    return await api.client.post(url, json=body, headers=headers)


async def test_a_retry_returns_the_first_answer_and_books_nothing_more(api: Api) -> None:
    first = await post(api, "staff", groceries(), "booking-1")
    assert first.status_code == 201
    again = await post(api, "staff", groceries(), "booking-1")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(await api.get("/requests?community_id=1", "staff")) == 1

    other = await post(api, "staff", groceries(day=2), "booking-1")
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    # Keys are per account: the resident's "booking-1" is a new key.
    mine = await post(api, "resident", groceries(resident_id=None), "booking-1")
    assert mine.status_code == 201 and mine.json()["id"] != first.json()["id"]
    assert (await post(api, "staff", groceries(), "")).status_code in (201, 400)
    assert (await post(api, "staff", groceries(), "k" * 201)).status_code == 400


async def test_a_refusal_is_replayed_and_nothing_is_half_written(api: Api) -> None:
    bad = groceries()
    bad["details"]["items"][0]["quantity"] = -1
    first = await post(api, "staff", bad, "bad-1")
    assert first.status_code == 422
    again = await post(api, "staff", bad, "bad-1")
    assert again.status_code == 422 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await api.get("/requests?community_id=1", "staff") == []


async def test_simultaneous_retries_book_once(api: Api) -> None:
    answers = await asyncio.gather(*(post(api, "staff", groceries(), "same") for _ in range(4)))
    assert {a.status_code for a in answers} <= {201, 409}
    assert any(a.status_code == 201 for a in answers)
    assert len(await api.get("/requests?community_id=1", "staff")) == 1
    for a in answers:
        if a.status_code == 409:
            assert "being processed" in a.json()["detail"]


async def test_every_post_honours_it(api: Api) -> None:
    # An accept, retried: the second call is the first one's answer, not a 409.
    await api.post("/requests", "staff", groceries())
    (offer,) = await api.get("/offers", "volunteer_chen")
    url = f"/offers/{offer['id']}/accept"
    first = await post(api, "volunteer_chen", {}, "accept-1", url)
    again = await post(api, "volunteer_chen", {}, "accept-1", url)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
