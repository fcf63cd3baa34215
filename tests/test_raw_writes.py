"""New rows written with hand-written SQL from the ORM's own values (``Raw.insert``): what
the ORM's ``create`` did, a unique key's refusal included. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.domain.errors import Conflict
from core.storage import bookings as store
from core.storage import notices
from core.storage.database import transaction
from core.storage.models import Notification, Offer, RequestHistory, ServiceRequest
from tests.support import Api, groceries


async def test_an_offer_is_made_once_and_a_notice_sent_once(api: Api) -> None:
    booked = await api.post("/requests", "staff", groceries())
    request = await store.get_request(booked["id"])
    [offer] = await Offer.filter(request_id=request.id)
    volunteer = (await Offer.get(id=offer.id).select_related("volunteer__membership")).volunteer
    again = dict(
        score=1.0,
        breakdown={},
        at=offer.offered_at,
        expires_at=offer.expires_at,
        offered_by=None,
        notify=volunteer.membership.account_id,
        actor_id=None,
        note="again",
    )
    history = await RequestHistory.filter(request_id=request.id).count()
    # The unique (request, volunteer): a second offer is a conflict, nothing written: no
    # offer, no notice, no history (on PostgreSQL the three are one statement).
    with pytest.raises(Conflict, match="already offered"):
        async with transaction():
            await store.create_offer(request, offer.volunteer_id, **again)
    assert await Offer.filter(request_id=request.id).count() == 1
    assert await Notification.filter(request_id=request.id).count() == 1
    assert await RequestHistory.filter(request_id=request.id).count() == history

    # The offer's history row names it and its volunteer, as written with it.
    [offered] = await RequestHistory.filter(request_id=request.id, event="offered")
    assert (offered.offer_id, offered.volunteer_account_id) == (
        offer.id,
        volunteer.membership.account_id,
    )

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
    await notices.offer_made(offer, stored, volunteer.membership.account_id, offer.offered_at)
    assert await Notification.filter(offer_id=offer.id).count() == 1
