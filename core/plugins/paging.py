"""A page of a list: the ``limit`` and ``offset`` query parameters of every list endpoint
that can grow with use, the core's and the plugins' alike.

Declared once, with their bounds, so the OpenAPI document states them (minimum, maximum,
default) and a value out of bounds is refused with a 400 naming the parameter instead of
being quietly changed: a client that asked for 1,000 rows and silently got 200 would take
them for all there is. A page shorter than ``limit`` is the last one.

Each list keeps the largest page it had before the bounds were declared (``Limit100``,
``Limit200``, ``Limit500``); the default is the handler's own.

These are Litestar parameter types, yet they live with the plugin contract rather than in
``api/``: the plugins' routes take them too, and plugins import the core, never ``api/``.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

# The largest value a 32-bit column holds: an offset past it can name no row.
LARGEST_OFFSET = 2**31 - 1

Offset = Annotated[
    int,
    QueryParameter(ge=0, le=LARGEST_OFFSET, description="Items to skip (0: from the first)"),
]
Limit100 = Annotated[int, QueryParameter(ge=1, le=100, description="Items on a page (1 to 100)")]
Limit200 = Annotated[int, QueryParameter(ge=1, le=200, description="Items on a page (1 to 200)")]
Limit500 = Annotated[int, QueryParameter(ge=1, le=500, description="Items on a page (1 to 500)")]
