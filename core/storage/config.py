"""The ORM configuration, built in one place for the app, the CLI and the tests alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CORE_APP = "core"


def default_database_url(data_dir: Path) -> str:
    return f"sqlite://{(data_dir / 'redbutler.sqlite3').resolve()}"


def normalise_url(url: str) -> str:
    """Give SQLite a busy timeout so a second connection waits instead of failing at once."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return url
    query = dict(parse_qsl(parts.query))
    query.setdefault("busy_timeout", "5000")
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme == "sqlite"


def orm_config(url: str) -> dict[str, Any]:
    return {
        "connections": {"default": normalise_url(url)},
        "apps": {
            CORE_APP: {
                "models": ["core.storage.models"],
                "default_connection": "default",
                "migrations": "core.storage.migrations",
            },
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For tortoise's own CLI (``tortoise -c core.storage.config.TORTOISE_ORM makemigrations``):
# the default database of this folder.
TORTOISE_ORM = orm_config("sqlite://data/redbutler.sqlite3")
