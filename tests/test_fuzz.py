"""Schemathesis against the app's own OpenAPI document, on a real server with the demo
compound (on each database the suite runs on), authenticated as each role: no request it
generates gets a 5xx, and every answer has a documented status, content type and headers,
and matches its documented schema."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import POSTGRES_URL, postgres_database  # noqa: E402
from tests.test_e2e import Client, running_server  # noqa: E402

pytestmark = pytest.mark.e2e
ROLES = {
    "admin": "rb_demo_admin",
    "staff": "rb_demo_staff_wang",
    "resident": "rb_demo_resident_zhang",
    "volunteer": "rb_demo_volunteer_chen",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """The server on SQLite, or on PostgreSQL when the suite runs there: each database
    refuses different things (PostgreSQL, for one, any text holding NUL)."""
    data: Path = tmp_path_factory.mktemp("fuzz")
    with contextlib.ExitStack() as stack:
        args = ["--demo"]
        if POSTGRES_URL:
            args += ["--database-url", stack.enter_context(postgres_database())]
        yield stack.enter_context(running_server(args, {"REDBUTLER_DATA_DIR": str(data)}))


def test_no_server_error_for_any_role(live: Client) -> None:
    schema = schemathesis.openapi.from_url(f"{live.base}/schema/openapi.json")
    examples = int(os.environ.get("REDBUTLER_FUZZ_EXAMPLES", "4"))
    failures: list[tuple[str, str]] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: object) -> None:
            for token in ROLES.values():
                case.call_and_validate(  # type: ignore[attr-defined]
                    base_url=live.base,
                    headers={"Authorization": f"Bearer {token}"},
                    checks=[
                        not_a_server_error,
                        status_code_conformance,
                        content_type_conformance,
                        response_headers_conformance,
                        response_schema_conformance,
                    ],
                )

        try:
            run()
        except Exception as exc:  # a failure names the operation and what went wrong
            failures.append((operation.label, str(exc)[:400]))
    assert operations > 60
    assert failures == []
