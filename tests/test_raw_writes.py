"""New rows written with hand-written SQL from the ORM's own values (``Raw.insert``): what
the ORM's ``create`` did, a unique key's refusal included. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.domain.errors import Conflict
from core.storage import bookings as store
from core.storage import notices
from core.storage.models import Notification, Offer, ServiceRequest
from tests.support import Api, groceries


async def test_an_offer_is_made_once_and_a_notice_sent_once(api: Api) -> None:
    booked = await api.post("/requests", "staff", groceries())
    request = await store.get_request(booked["id"])
    [offer] = await Offer.filter(request_id=request.id)
    again = dict(
        score=1.0,
        breakdown={},
        at=offer.offered_at,
        expires_at=offer.expires_at,
        offered_by=None,
    )
    # The unique (request, volunteer): a second offer is a conflict, nothing written.
    with pytest.raises(Conflict, match="already offered"):
        await store.create_offer(request, offer.volunteer_id, **again)
    assert await Offer.filter(request_id=request.id).count() == 1

    # The offer's notice, as written: every column read back as the ORM reads it.
    [notice] = await Notification.filter(offer_id=offer.id)
    assert (notice.kind, notice.dedupe_key, notice.request_id) == (
        "offer",
        f"offer:{offer.id}",
        request.id,
    )
    assert f"offer {offer.id}." in notice.body and not notice.cancelled
    assert notice.delivered_at is None and notice.created_at == offer.offered_at
    # A notice is written once per key: the same notice again writes nothing, quietly.
    stored = await ServiceRequest.get(id=request.id).select_related("community", "building")
    account = (await Offer.get(id=offer.id).select_related("volunteer__membership")).volunteer
    await notices.offer_made(offer, stored, account.membership.account_id, offer.offered_at)
    assert await Notification.filter(offer_id=offer.id).count() == 1
