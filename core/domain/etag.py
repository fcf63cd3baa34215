"""Entity tags for optimistic concurrency: a tag is a digest of the record as the API sends
it, so it changes whenever anything a client sees changes. Edits that carry ``If-Match``
compare it with the current record inside their transaction, after taking the row, so two
clients editing from the same version cannot both win (412 for the second)."""

from __future__ import annotations

import hashlib

import msgspec

from core.domain.errors import PreconditionFailed


def etag(record: object) -> str:
    return '"' + hashlib.sha256(msgspec.json.encode(record)).hexdigest()[:24] + '"'


def check(if_match: str | None, current: object, what: str) -> None:
    """Refuse the edit when ``If-Match`` (if given) is not the current version's tag."""
    if if_match is None or if_match.strip() == "*":
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if etag(current) not in tags:
        raise PreconditionFailed(
            f"{what} has changed since you read it; read it again (its ETag) and retry"
        )
