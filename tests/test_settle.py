"""A server process settles once started (``api.app.settle``): what starting left behind is
collected, and what survives is moved to the garbage collector's permanent generation, so
no full collection walks it (or frees the start-up's million objects) in the middle of
traffic. Only ``serve``'s processes do it: an app embedded elsewhere (the tests) does not."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from core.settings import Settings


@pytest.mark.parametrize("settle", [True, False])
async def test_a_server_process_settles_once_started(tmp_path: Path, settle: bool) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = create_app(
        Settings(
            database_url=f"sqlite://{tmp_path}/settle.sqlite3",
            sweep_interval=0,
            load_demo=True,
            settle_after_start=settle,
        )
    )
    try:
        async with AsyncTestClient(app) as client:
            assert (await client.get("/health")).status_code == 200
            frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # the other tests' objects are theirs to collect
    # Everything alive once it started: the app, its modules and models, many thousands.
    assert frozen > 50_000 if settle else frozen == 0


def test_serve_settles_its_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """``redbutler serve`` (one worker, or each of several) builds its app settled."""
    import uvicorn

    from api import app as app_module
    from core import cli

    built: list[Settings] = []
    monkeypatch.setattr(app_module, "create_app", lambda settings, **_: built.append(settings))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    assert cli.main(["serve", "--database-url", "sqlite:///tmp/never-opened.sqlite3"]) == 0
    monkeypatch.setenv("REDBUTLER_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    app_module.app_from_env()
    assert [s.settle_after_start for s in built] == [True, True]
