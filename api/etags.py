"""ETag on reads of editable records, If-Match on their edits (see ``core.domain.etag``)."""

from __future__ import annotations

from typing import Annotated, TypeVar

from litestar import Response
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter

from core.domain.etag import etag

T = TypeVar("T")

ETAG_HEADER = ResponseHeader(
    name="ETag",
    description="The version of what was read; send it back in If-Match",
    documentation_only=True,
)
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description="The ETag you read: the edit is refused with 412 if it has changed since",
    ),
]


def tagged(record: T) -> Response[T]:
    return Response(record, headers={"ETag": etag(record)})
