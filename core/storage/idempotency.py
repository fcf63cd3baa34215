"""Idempotency keys (Stripe's design), scoped per account.

The HTTP layer puts the caller's key in ``claim`` (a context variable) before the use case
runs; the use case's outermost ``transaction()`` inserts the key row as its first statement,
so the key commits with what it protects or not at all. A retry then finds the row: with
the stored response it is replayed; without one (the first call is still running) it is
refused with 409; with a different fingerprint (same key, another body) with 422.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from core.domain.errors import Conflict
from core.storage.models import IdempotencyKey


@dataclass
class Claim:
    account_id: int
    key: str
    fingerprint: str
    at: datetime
    written: bool = field(default=False)


claim: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)
depth: ContextVar[int] = ContextVar("transaction_depth", default=0)


async def write_claim(c: Claim) -> None:
    """The first statement of the use case's transaction."""
    try:
        await IdempotencyKey.create(
            account_id=c.account_id, key=c.key, fingerprint=c.fingerprint, created_at=c.at
        )
    except IntegrityError:
        raise Conflict(
            "a request with this Idempotency-Key is being processed; retry in a moment"
        ) from None
    c.written = True


async def find(account_id: int, key: str) -> IdempotencyKey | None:
    return await IdempotencyKey.get_or_none(account_id=account_id, key=key)


async def store_response(c: Claim, status: int, body: bytes, content_type: str) -> None:
    """After the call answered: keep its response for retries. A call that wrote nothing
    (refused before its transaction) stores its answer under a new row, so a retry with
    the same key gets the same answer."""
    values: dict[str, Any] = {
        "response_status": status,
        "response_body": body.decode("utf-8", "replace"),
        "response_type": content_type,
    }
    if c.written:
        await IdempotencyKey.filter(account_id=c.account_id, key=c.key).update(**values)
        return
    with contextlib.suppress(IntegrityError):  # a concurrent call with this key won
        await IdempotencyKey.create(
            account_id=c.account_id,
            key=c.key,
            fingerprint=c.fingerprint,
            created_at=c.at,
            **values,
        )
