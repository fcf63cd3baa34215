"""Checks every call's input gets before its handler runs, for what no schema can say: ids
past what the database can hold, and the NUL character in text.

PostgreSQL refuses NUL (``\\u0000``) in text and in JSON (``invalid byte sequence for
encoding "UTF8": 0x00``), which came back as a 500 for any text field of any body or query
parameter; SQLite stored it, and it then broke what reads text as C strings (exports,
message gateways). So it is refused here, on both databases alike, with a 400 naming the
field. A JSON body can only hold NUL as the escape ``\\u0000``, so a body without that
sequence is not walked at all.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NoReturn

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.typing import FieldDefinition

from api.errors import LARGEST_ID
from core.domain.errors import InvalidInput, NotFound

NUL_MESSAGE = "text may not contain the NUL character (\\u0000)"


async def check_inputs(request: Request[Any, Any, Any]) -> None:
    """An id past what the database can hold names nothing: 404 for a path, 422 for a
    query parameter (rather than the database's overflow). NUL in a query parameter or
    anywhere in a JSON body: 400 naming it."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and abs(value) > LARGEST_ID:
            raise NotFound(f"{name.removesuffix('_id')} {value} not found")
    integers = _integer_parameters(request.route_handler)
    for name, value in request.query_params.multi_items():
        if (
            name in integers
            and isinstance(value, str)
            and value.lstrip("-").isdigit()
            and abs(int(value)) > LARGEST_ID
        ):
            raise InvalidInput.field(name, f"at most {LARGEST_ID}")
    if b"%00" in request.scope.get("query_string", b""):  # NUL can only come percent-encoded
        for name, value in request.query_params.multi_items():
            if isinstance(value, str) and "\x00" in value:
                _refuse(name)
    if request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()  # kept on the request: the handler reads it from there
        if b"\\u0000" in body:
            try:
                data = msgspec.json.decode(body)
            except msgspec.DecodeError:
                return  # malformed: the handler's decoding says where
            where = _nul_in(data, "")
            if where is not None:
                _refuse(where or "body")


@cache
def _integer_parameters(handler: BaseRouteHandler) -> frozenset[str]:
    """The handler's parameters that take integers (``int``, ``int | None``, ``list[int]``):
    only these are ids or counts; a text parameter may be all digits (a phone number)."""
    return frozenset(
        name for name, field in handler.parsed_fn_signature.parameters.items() if _takes_int(field)
    )


def _takes_int(field: FieldDefinition) -> bool:
    return field.is_subclass_of(int) or any(_takes_int(t) for t in field.inner_types)


def _nul_in(value: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) in ``value`` holding NUL."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return inner
            found = _nul_in(item, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_in(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _refuse(field: str) -> NoReturn:
    raise ValidationException(
        f"{field}: {NUL_MESSAGE}", extra=[{"key": field, "message": NUL_MESSAGE}]
    )
