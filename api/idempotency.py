"""``Idempotency-Key`` on every POST, scoped per account (see ``core.storage.idempotency``).

A retry with the same key and the same request gets the first response again (with
``Idempotent-Replayed: true``) and creates nothing; the same key with a different request
is a 422; a retry while the first call is still running is a 409. Responses of 5xx are not
kept, so such a call can be retried with its key.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPRequestEvent, Message, Receive, ReceiveMessage, Scope, Send

from api.errors import TITLES
from core.domain.access import Principal
from core.storage import idempotency

HEADER = b"idempotency-key"
MAX_KEY = 200


class IdempotencyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope.get("headers", []))
        key_raw = headers.get(HEADER)
        user = scope.get("user")
        method = scope.get("method")
        if method != "POST" or key_raw is None or not isinstance(user, Principal):
            await next_app(scope, receive, send)
            return
        key = key_raw.decode("latin-1").strip()
        path = scope["path"]
        if not 1 <= len(key) <= MAX_KEY:
            await _problem(
                send, 400, "bad-request", path, f"Idempotency-Key: 1 to {MAX_KEY} characters"
            )
            return
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"\0".join([b"POST", path.encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        found = await idempotency.find(user.account_id, key)
        if found is not None:
            if found.fingerprint != fingerprint:
                await _problem(
                    send,
                    422,
                    "invalid-input",
                    path,
                    "this Idempotency-Key was used for a different request; use a new key",
                )
            elif found.response_status is None:
                await _problem(
                    send,
                    409,
                    "conflict",
                    path,
                    "a request with this Idempotency-Key is being processed; retry in a moment",
                )
            else:
                await _send(
                    send,
                    found.response_status,
                    (found.response_body or "").encode(),
                    found.response_type or "application/json",
                    replayed=True,
                )
            return

        services = scope["app"].state.services
        claim = idempotency.Claim(
            account_id=user.account_id, key=key, fingerprint=fingerprint, at=services.clock()
        )
        status = 500
        content_type = "application/json"
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        sent = False

        async def replay() -> ReceiveMessage:
            nonlocal sent
            if not sent:
                sent = True
                event: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
                return event
            return await receive()

        token = idempotency.claim.set(claim)
        try:
            await next_app(scope, replay, capture)
        finally:
            idempotency.claim.reset(token)
        if status < 500:
            await idempotency.store_response(claim, status, b"".join(chunks), content_type)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _send(
    send: Send, status: int, body: bytes, content_type: str, *, replayed: bool = False
) -> None:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _problem(send: Send, status: int, code: str, path: str, detail: str) -> None:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": path,
    }
    await _send(send, status, msgspec.json.encode(body), "application/problem+json")
