"""``redbutler backup``: a consistent, checked copy of the embedded database, taken while the
server runs and writes, that a server can be started on (the restore)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from api.app import create_app
from core.cli import main
from core.demo import DEMO_TOKENS
from core.settings import Settings
from core.storage.config import sqlite_path
from tests.support import POSTGRES_URL, groceries, running_api, serving_lifespan

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is not None, reason="backs up the embedded SQLite database"
)


async def test_a_backup_taken_while_serving_is_whole_and_serves_again(
    tmp_path: Path, template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "backups" / "monday.sqlite3"
    copy.parent.mkdir()
    async with running_api(tmp_path, template) as api:
        booked = await api.post("/requests", "staff", groceries(), expect=201)
        source = Path(connections.get("default").filename)
        # Taken while the server holds the database open in WAL mode, its last commits
        # possibly still in the -wal file beside it.
        assert main(["backup", str(copy), "--database-url", f"sqlite://{source}"]) == 0
        assert "checked" in capsys.readouterr().out
        # The server goes on writing after the snapshot; the copy does not change.
        later = await api.post("/requests", "staff", groceries(day=2), expect=201)

    assert sorted(f.name for f in copy.parent.iterdir()) == [copy.name]  # one file, no -wal
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [row[0] for row in db.execute("SELECT id FROM service_request ORDER BY id")]
    assert booked["id"] in ids and later["id"] not in ids

    # Restore: a server started on the copy serves what it holds.
    restored = create_app(Settings(database_url=f"sqlite://{copy}", sweep_interval=0))
    async with serving_lifespan(restored):
        transport = httpx.ASGITransport(app=restored)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {DEMO_TOKENS['staff']}"}
            again = await client.get(f"/requests/{booked['id']}", headers=headers)
            assert again.status_code == 200
            assert again.json()["history"] == booked["history"]


def test_backup_never_overwrites_and_names_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "db.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE t (x)")
    taken = tmp_path / "taken.sqlite3"
    taken.write_text("an older backup")
    assert main(["backup", str(taken), "--database-url", f"sqlite://{source}"]) == 1
    assert "exists" in capsys.readouterr().err
    assert taken.read_text() == "an older backup"
    missing = tmp_path / "nowhere.sqlite3"
    assert main(["backup", str(tmp_path / "b"), "--database-url", f"sqlite://{missing}"]) == 1
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
    postgres = "postgres://postgres@127.0.0.1:5432/test"
    assert main(["backup", str(tmp_path / "c"), "--database-url", postgres]) == 2
    assert "pg_dump" in capsys.readouterr().err


def test_sqlite_paths_read_as_tortoise_opens_them() -> None:
    assert sqlite_path("sqlite://data/x.sqlite3") == Path("data/x.sqlite3")
    assert sqlite_path("sqlite:///srv/rb/x.sqlite3?busy_timeout=100") == Path("/srv/rb/x.sqlite3")
    assert sqlite_path("sqlite://:memory:") is None
    assert sqlite_path("postgres://u@h/db") is None
