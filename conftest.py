"""Fixtures shared by the core tests (tests/) and every plugin's tests (plugins/*/tests/)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import Api, Clock, running_api, template_database


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_database(tmp_path_factory.mktemp("template"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(tmp_path: Path, template: Path, clock: Clock) -> AsyncIterator[Api]:
    """The app with the demo compound (Mingyue Harbour) loaded, over in-process HTTP."""
    async with running_api(tmp_path, template, clock=clock) as client:
        yield client
