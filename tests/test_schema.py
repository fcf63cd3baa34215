"""The live schema, read from the database built by the migrations, has the constraints the
booking invariants rely on (a silently missing index must fail CI)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from tests.support import Api, groceries


async def _indexes(unique_only: bool) -> set[tuple[str, tuple[str, ...]]]:
    """(table, columns) of the live database's indexes, on SQLite or PostgreSQL."""
    conn = connections.get("default")
    found: set[tuple[str, tuple[str, ...]]] = set()
    if conn.capabilities.dialect != "sqlite":
        for row in await conn.execute_query_dict(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ):
            definition = row["indexdef"]
            if unique_only and not definition.startswith("CREATE UNIQUE"):
                continue
            columns = definition.rsplit("(", 1)[1].rstrip(")")
            names = (c.split()[0].strip('"') for c in columns.split(","))  # "priority DESC"
            found.add((row["tablename"], tuple(names)))
        return found
    for row in await conn.execute_query_dict(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
    ):
        info = await conn.execute_query_dict(f"PRAGMA index_list('{row['tbl_name']}')")
        unique = {i["name"] for i in info if i["unique"] or not unique_only}
        if row["name"] in unique:
            cols = await conn.execute_query_dict(f"PRAGMA index_info('{row['name']}')")
            found.add((row["tbl_name"], tuple(c["name"] for c in cols)))
    return found


async def test_booking_constraints_exist(api: Api) -> None:
    unique = await _indexes(unique_only=True)
    assert ("volunteer_slot", ("account_id", "starts_at")) in unique
    assert ("offer", ("request_id", "volunteer_id")) in unique
    assert ("volunteer_week_load", ("volunteer_id", "week")) in unique
    assert ("api_token", ("token_hash",)) in unique
    assert ("membership", ("account_id", "community_id", "role")) in unique
    # One holder per seat, even when an urgent request was broadcast to several.
    assert ("offer", ("seat_key",)) in unique
    # One rating per volunteer's work; one reminder per reason; one row per compound.
    assert ("rating", ("offer_id",)) in unique
    assert ("notification", ("dedupe_key",)) in unique
    assert ("alliance_member", ("alliance_id", "community_id")) in unique
    assert ("volunteer", ("calendar_token_hash",)) in unique


async def test_indexes_survive_the_table_rebuild_of_migration_0002(api: Api) -> None:
    # SQLite rebuilds service_request to make resident optional; its indexes must come back.
    # (0006 replaced the rebuilt (community_id, status) with the pages' index that starts
    # with it; the pages' indexes are checked here too.)
    found = await _indexes(unique_only=False)
    assert ("service_request", ("status", "starts_at")) in found
    pages = (("community_id",), ("community_id", "status"), ("resident_id",), ("filed_by_id",))
    for first in pages:
        assert ("service_request", (*first, "priority", "starts_at", "id")) in found
    # A volunteer's offers, all or by status, in the same order (0008).
    for first in (("volunteer_id",), ("volunteer_id", "status")):
        assert ("offer", (*first, "priority", "starts_at", "id")) in found
    # Who is calling the duty phone (0010).
    assert ("account", ("phone",)) in found
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        assert not await conn.execute_query_dict("PRAGMA foreign_key_check")


async def test_the_database_refuses_more_seats_filled_than_a_request_has(api: Api) -> None:
    booked = await api.post("/requests", "staff", groceries())
    conn = connections.get("default")
    with pytest.raises(IntegrityError):
        await conn.execute_query(
            f"UPDATE service_request SET filled = seats + 1 WHERE id = {booked['id']}"
        )
    with pytest.raises(IntegrityError):
        await conn.execute_query(
            f"UPDATE service_request SET filled = -1 WHERE id = {booked['id']}"
        )
    await conn.execute_query(f"UPDATE service_request SET filled = seats WHERE id = {booked['id']}")


async def test_postgresql_refuses_overlapping_slots_off_the_grid(api: Api) -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        pytest.skip("an exclusion constraint is PostgreSQL's (the unique slot index is on both)")
    booked = await api.post("/requests", "staff", groceries())
    offer = (await api.get("/offers", "volunteer_chen"))[0]
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    rows = await conn.execute_query_dict(
        "SELECT account_id, starts_at, offer_id FROM volunteer_slot "
        f"WHERE offer_id = {offer['id']} ORDER BY starts_at LIMIT 1"
    )
    assert rows and booked["id"]
    first = rows[0]
    with pytest.raises(IntegrityError):  # two minutes into a booked slot, same person
        await conn.execute_query(
            "INSERT INTO volunteer_slot (account_id, starts_at, offer_id) VALUES ($1, $2, $3)",
            [first["account_id"], first["starts_at"] + timedelta(minutes=2), first["offer_id"]],
        )
