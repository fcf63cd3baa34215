"""Hand-written SQL for the hot paths (loading matching candidates, a booking's writes, pages
of records), where building SQL through the ORM cost more than running it.

Ids are integers from our own queries and go into the SQL as literals; every other value
is a bound parameter, numbered in the connection's placeholder style. Datetimes are stored
by tortoise as ``str(datetime)`` text on SQLite and as ``timestamptz`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, TypeVar

from tortoise import connections
from tortoise.fields import DatetimeField, Field
from tortoise.models import Model

M = TypeVar("M", bound=Model)


class Raw:
    def __init__(self) -> None:
        self.conn = connections.get("default")
        self.sqlite = self.conn.capabilities.dialect == "sqlite"

    def param(self, n: int) -> str:
        """The ``n``-th bound value (from 1), numbered on both (``?N``, ``$N``): a value
        may be used twice."""
        return f"?{n}" if self.sqlite else f"${n}"

    def params(self, count: int) -> str:
        """``count`` placeholders, comma-separated (for an INSERT's values)."""
        return ", ".join(self.param(n) for n in range(1, count + 1))

    def when(self, value: datetime) -> Any:
        return str(value.astimezone(UTC)) if self.sqlite else value

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def any_of(self, column: str, ids: Iterable[int], n: int) -> tuple[str, list[Any]]:
        """SQL for ``column`` being one of ``ids``, and what it binds (as the ``n``-th value
        on). On PostgreSQL that is one array: the statement reads the same whatever the
        ids, so asyncpg prepares it once per connection (it prepares each text it has not
        seen, a round trip and a plan, and keeps the last 100: a page's ids written in
        would make every call a new statement). On SQLite, where preparing costs a few
        microseconds, the ids are written in."""
        values = [int(i) for i in ids]
        if self.sqlite:
            return f"{column} IN ({ints(values)})", []
        return f"{column} = ANY(CAST({self.param(n)} AS BIGINT[]))", [values]

    async def insert(self, obj: Model, *, ignore_conflict: bool = False) -> bool:
        """Write the new ``obj`` as ``Model.save`` would, in one statement that returns its
        id (set on ``obj``); with ``ignore_conflict``, False when a unique key already held
        it and nothing was written. Building the ORM's INSERT cost more than running it."""
        columns, values = new_row(obj)
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflict else ""
        # As a dict read: tortoise's PostgreSQL client drops what an INSERT returns.
        found = await self.dicts(
            f"INSERT INTO {obj._meta.db_table} ({columns}) VALUES ({self.params(len(values))})"
            f"{conflict} RETURNING {obj._meta.db_pk_column} AS id",
            values,
        )
        if not found:
            return False
        obj.pk = found[0]["id"]
        obj._saved_in_db = True
        return True

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        _, found = await self.conn.execute_query(sql, list(params))
        return [tuple(r) for r in found]

    async def dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.conn.execute_query_dict(sql, list(params))
        return found

    async def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an UPDATE or DELETE (or an INSERT): the number of rows it changed (for an
        INSERT on PostgreSQL, 0)."""
        changed, _ = await self.conn.execute_query(sql, list(params))
        return int(changed)


def new_row(obj: Model) -> tuple[str, list[Any]]:
    """The columns (quoted, comma-separated) and values a new ``obj`` is written with:
    each stored field but the generated id, by the field's own ``to_db_value`` (which also
    stamps ``auto_now`` fields on ``obj``), as the ORM's insert writes them."""
    fields = _stored_fields(type(obj))
    return (
        ", ".join(f'"{column}"' for _, column, _ in fields),
        [field.to_db_value(getattr(obj, name), obj) for name, _, field in fields],
    )


@cache
def _stored_fields(model: type[Model]) -> tuple[tuple[str, str, Field[Any]], ...]:
    """Each stored field of ``model`` but a generated id (a foreign key by its ``..._id``):
    name, column and field. Read once tortoise is initialised."""
    meta = model._meta
    return tuple(
        (name, column, meta.fields_map[name])
        for name, column in meta.fields_db_projection.items()
        if column not in meta.generated_db_fields
    )


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


# -- model instances from hand-written joins --------------------------------------------------
# A read that wants model instances (the use cases work with them) but whose ORM query cost
# more to build than to run selects each model's columns under an alias (``columns``) and
# makes the instances from the row as tortoise makes the rows it reads itself (``instance``,
# ``attach``: what its executor does for ``select_related``; tortoise-orm is pinned < 1.2).


def columns(model: type[Model], alias: str) -> str:
    """Every column of ``model``'s table as ``alias__column``."""
    return ", ".join(f"{alias}.{c} AS {alias}__{c}" for c in sorted(model._meta.db_fields))


def instance(model: type[M], row: Mapping[str, Any], alias: str) -> M | None:
    """The ``alias`` model in a row read with ``columns`` (None when a LEFT JOIN found none)."""
    values = {c: row[f"{alias}__{c}"] for c in model._meta.db_fields}
    if values[model._meta.db_pk_column] is None:
        return None
    for column in _datetime_columns(model):
        # SQLite's text, read with the C parser: tortoise's (iso8601, in Python) took
        # 8 us a value, a sixth of a booking's first read. The field makes it aware.
        if isinstance(text := values[column], str):
            values[column] = datetime.fromisoformat(text)
    return model._init_from_db(**values)


@cache
def _datetime_columns(model: type[Model]) -> tuple[str, ...]:
    meta = model._meta
    return tuple(
        meta.fields_db_projection[name]
        for name, field in meta.fields_map.items()
        if isinstance(field, DatetimeField) and name in meta.fields_db_projection
    )


def attach(owner: Model, relation: str, related: Model | None) -> None:
    """Set a foreign key's object, read in the same row, as ``select_related`` does."""
    object.__setattr__(owner, f"_{relation}", related)
