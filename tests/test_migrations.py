"""Upgrading a database made by the previous release (core migration 0001, 0.1.0) keeps
its data: migration 0002 adds columns with defaults and, on SQLite, rebuilds the request
table that offers point at."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api

from core.demo import load_demo_once
from core.plugins import hookimpl
from core.plugins.manager import build_plugin_host
from core.services import Services
from core.storage.config import orm_config
from core.storage.database import migrate, open_database
from core.storage.migration_lock import connect_args
from core.storage.models import Account, Community, Offer, ServiceRequest, Volunteer
from plugins.afterschool.models import Child
from tests.support import empty_database

NOW = "2026-11-21 01:00:00+00:00"


async def test_upgrade_from_the_previous_release_keeps_data(tmp_path: Path) -> None:
    async with empty_database(tmp_path) as url:
        async with TortoiseContext():
            await migrate_api(config=orm_config(url), target="core.0001_initial")
        apps = build_plugin_host().storage_apps
        # Data as 0.1.0 wrote it: a compound, a resident, a volunteer, a request, an offer.
        async with TortoiseContext() as ctx:
            await ctx.init(config=orm_config(url))
            conn = connections.get("default")
            stamp, t, f = f"'{NOW}'", "TRUE", "FALSE"  # literals both databases read
            later = "'2026-11-21 02:00:00+00:00'"
            for sql in (
                f"INSERT INTO community (id, slug, name, timezone, created_at) VALUES "
                f"(1, 'old', 'Old compound', 'Asia/Shanghai', {stamp})",
                "INSERT INTO building (id, community_id, name) VALUES (1, 1, '17')",
                f"INSERT INTO account (id, name, phone, is_admin, created_at) VALUES "
                f"(1, 'Grandma Li', NULL, {f}, {stamp}), (2, 'Chen Jing', NULL, {f}, {stamp})",
                f"INSERT INTO membership (id, account_id, community_id, role, created_at) VALUES "
                f"(1, 1, 1, 'resident', {stamp}), (2, 2, 1, 'volunteer', {stamp})",
                f"INSERT INTO resident (id, membership_id, building_id, unit, room, elderly, "
                f"lives_alone, no_smartphone) VALUES (1, 1, 1, '2', '301', {t}, {t}, {t})",
                f"INSERT INTO volunteer (id, membership_id, party_member, weekly_cap_minutes, "
                f"home_building_id, active) VALUES (1, 2, {t}, 480, 1, {t})",
                "INSERT INTO volunteer_skill (id, volunteer_id, skill) VALUES (1, 1, 'shopping')",
                f"INSERT INTO service_request (id, community_id, building_id, resident_id, "
                f"filed_by_id, line, service, details, starts_at, ends_at, unit, room, status, "
                f"seats, filled, required_skills, priority, notes, created_at, updated_at) VALUES "
                f"(1, 1, 1, 1, 1, 'errands', 'groceries', '{{}}', {stamp}, {later}, '2', '301', "
                f"'assigned', 1, 1, '[\"shopping\"]', 100, 'tofu', {stamp}, {stamp})",
                f"INSERT INTO offer (id, request_id, volunteer_id, offered_by_id, status, score, "
                f"score_breakdown, offered_at, expires_at, decline_reason) VALUES "
                f"(1, 1, 1, NULL, 'accepted', 5, '{{}}', {stamp}, {stamp}, '')",
            ):
                await conn.execute_script(sql)
        await migrate(url, apps)  # to this release, plugins' tables included
        async with open_database(url, apps=apps, run_migrations=False):
            request = await ServiceRequest.get(id=1)
            assert (request.notes, request.resident_id, request.status) == ("tofu", 1, "assigned")
            assert request.seat_skills == [] and request.declines == 0 and not request.urgent
            offer = await Offer.get(id=1)
            assert (offer.request_id, offer.status, offer.seat) == (1, "accepted", 0)
            # 0007 copies each offer's window from its request.
            assert (offer.starts_at, offer.ends_at) == (request.starts_at, request.ends_at)
            # 0008 copies its priority.
            assert offer.priority == request.priority == 100
            volunteer = await Volunteer.get(id=1)
            assert volunteer.preferred_lines == [] and volunteer.rel_answered == 0
            conn = connections.get("default")
            if conn.capabilities.dialect == "sqlite":
                assert not await conn.execute_query_dict("PRAGMA foreign_key_check")


async def test_upgrade_writes_stored_phones_in_e164(tmp_path: Path) -> None:
    """Phones stored as typed, before numbers were checked, are rewritten in E.164 (members'
    and children's collectors'); one that is no number is kept as it was, not lost."""
    apps = build_plugin_host().storage_apps
    async with empty_database(tmp_path) as url:
        async with TortoiseContext():
            await migrate_api(config=orm_config(url, apps), target="afterschool.0001_initial")
        async with TortoiseContext() as ctx:
            await ctx.init(config=orm_config(url, apps))
            conn = connections.get("default")
            stamp = f"'{NOW}'"
            collectors = (
                '[{"name":"Zhang Wei","relation":"father","phone":"139-0000-0002"},'
                '{"name":"Li Xiuying","relation":"grandmother"},'
                '{"name":"Uncle Sun","relation":"neighbour","phone":"0564 000"}]'
            )
            for sql in (
                f"INSERT INTO community (id, slug, name, timezone, created_at) VALUES "
                f"(1, 'old', 'Old compound', 'Asia/Shanghai', {stamp})",
                "INSERT INTO account (id, name, phone, is_admin, created_at) VALUES "
                f"(1, 'Wang Fang', '+86 138 0000 0001', FALSE, {stamp}), "
                f"(2, 'Grandma Li', '0564-000-0017', FALSE, {stamp}), "
                f"(3, 'Typo', '123', FALSE, {stamp}), (4, 'No phone', NULL, FALSE, {stamp})",
                "INSERT INTO afterschool_child (id, community_id, guardian_id, name, grade, "
                f"school, notes, collectors, created_at) VALUES "
                f"(1, 1, 2, 'Xiaoming', '', '', '', '{collectors}', {stamp})",
            ):
                await conn.execute_script(sql)
        await migrate(url, apps)
        async with open_database(url, apps=apps, run_migrations=False):
            phones = await Account.all().order_by("id").values_list("phone", flat=True)
            assert phones == ["+8613800000001", "+865640000017", "123", None]
            child = await Child.get(id=1)
            assert child.collectors == [
                {"name": "Zhang Wei", "relation": "father", "phone": "+8613900000002"},
                {"name": "Li Xiuying", "relation": "grandmother"},
                {"name": "Uncle Sun", "relation": "neighbour", "phone": "0564 000"},
            ]


async def test_two_processes_migrating_at_once_both_succeed(tmp_path: Path) -> None:
    """Two hosts deploying at once, or an admin bootstrapped while the first server starts:
    both migrate the same new database. Without the migration lock the slower one failed
    half-way ('table "account" already exists'; on PostgreSQL a duplicate key in the
    catalogue), every time here."""
    async with empty_database(tmp_path) as url:
        runs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "core.cli",
                "migrate",
                "--database-url",
                url,
                cwd=Path(__file__).parent.parent,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = await asyncio.gather(*(run.communicate() for run in runs))
        for run, (out, _) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, out.decode()[-2000:]
        async with open_database(url, apps=build_plugin_host().storage_apps):
            assert await ServiceRequest.all().count() == 0  # the schema is whole


def test_the_migration_lock_connects_with_only_what_asyncpg_takes() -> None:
    """The lock's own PostgreSQL connection comes from the same URL as the pool's, without
    the pool's settings (asyncpg would send an unknown one to the server as a setting)."""
    assert connect_args("postgres://rb:secret@db.internal:5433/rb?maxsize=10") == {
        "host": "db.internal",
        "port": 5433,
        "user": "rb",
        "password": "secret",
        "database": "rb",
    }
    through_socket = connect_args("postgres://rb@/rb?host=/var/run/postgresql")
    assert through_socket["host"] == "/var/run/postgresql"


async def test_the_demo_loaded_twice_at_once_is_loaded_once(tmp_path: Path) -> None:
    """Two servers started with --demo on one new database: the second waits for the
    first's demo and finds it (it failed on the first unique key the first had written)."""
    services = Services(build_plugin_host())
    async with (
        empty_database(tmp_path) as url,
        open_database(url, apps=services.host.storage_apps),
    ):
        loads = await asyncio.gather(load_demo_once(services, url), load_demo_once(services, url))
        assert sorted(info.created for info in loads) == [False, True]
        assert await Community.all().count() == 1


async def test_a_demo_load_that_fails_half_way_leaves_nothing(tmp_path: Path) -> None:
    """A demo load that stops half-way (a line's demo fails, the process is killed) left
    the compound and its people behind, which every later start took for a whole demo."""

    class BrokenDemo:
        @hookimpl
        def demo(self, services: object, community_id: int, staff: object) -> None:
            raise RuntimeError("this line's demo failed")

    broken = Services(build_plugin_host(load_entry_points=False, extra=[("broken", BrokenDemo())]))
    async with (
        empty_database(tmp_path) as url,
        open_database(url, apps=broken.host.storage_apps),
    ):
        with pytest.raises(RuntimeError, match="this line's demo failed"):
            await load_demo_once(broken, url)
        assert await Community.all().count() == 0
        assert await Account.all().count() == 0
        loaded = await load_demo_once(Services(build_plugin_host()), url)
        assert loaded.created and await Community.all().count() == 1
