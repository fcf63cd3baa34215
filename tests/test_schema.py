"""The live schema, read from the database built by the migrations, has the constraints the
booking invariants rely on (a silently missing index must fail CI)."""

from __future__ import annotations

from tortoise import connections

from tests.support import Api


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
            found.add((row["tablename"], tuple(c.strip().strip('"') for c in columns.split(","))))
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
    found = await _indexes(unique_only=False)
    assert ("service_request", ("community_id", "status")) in found
    assert ("service_request", ("status", "starts_at")) in found
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        assert not await conn.execute_query_dict("PRAGMA foreign_key_check")
