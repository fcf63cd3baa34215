"""Hand-written reads for the one hot path (loading matching candidates), where building
SQL through the ORM for hundreds of ids cost more than running it.

Ids are integers from our own queries and go into the SQL as literals; every other value
is a bound parameter, written in the connection's placeholder style. Datetimes are stored
by tortoise as ``str(datetime)`` text on SQLite and as ``timestamptz`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections


class Raw:
    def __init__(self) -> None:
        self.conn = connections.get("default")
        self.sqlite = self.conn.capabilities.dialect == "sqlite"

    def param(self, n: int) -> str:
        return "?" if self.sqlite else f"${n}"

    def when(self, value: datetime) -> Any:
        return str(value.astimezone(UTC)) if self.sqlite else value

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        _, found = await self.conn.execute_query(sql, list(params))
        return [tuple(r) for r in found]


def ints(ids: Iterable[int]) -> str:
    """A SQL list of integer literals (never empty)."""
    return ",".join(str(int(i)) for i in ids) or "NULL"


def as_datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_date(value: Any) -> date:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(day, date)
    return day
