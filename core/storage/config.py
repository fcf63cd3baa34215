"""The ORM configuration, built in one place for the app, the CLI and the tests alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise.backends.base.config_generator import expand_db_url

if TYPE_CHECKING:
    from core.plugins.line import StorageApp

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


# PostgreSQL's limits on how long a statement may wait, as the server itself enforces them
# (``SET`` on each connection; a URL parameter of the same name overrides one, e.g.
# ``?lock_timeout=2s``; "0" turns it off). A statement waiting on a lock someone else holds
# (a long transaction, a DBA's ALTER TABLE) gives up after ``lock_timeout``, one running
# past ``statement_timeout`` is cancelled, and a connection left idle inside a transaction
# (a worker frozen with locks held) is closed: each call is then a 503 with Retry-After,
# instead of every call that needs the row hanging and the pool running dry.
POSTGRES_TIMEOUTS = {
    "lock_timeout": "5s",
    "statement_timeout": "30s",
    "idle_in_transaction_session_timeout": "60s",
}
# And the client's own, in seconds, for a server that does not answer at all (a network
# that drops packets, a server gone without a reset: the kernel would wait some 15 minutes
# before it gave up on the connection): a statement with no answer at all after
# ``command_timeout`` (past the server's statement_timeout, which answers first when the
# server is there), a new connection not made within ``connect_timeout``. Overridden the
# same way, e.g. ``?command_timeout=10``.
POSTGRES_CLIENT_TIMEOUTS = {"command_timeout": 35.0, "connect_timeout": 10.0}


def connection_config(url: str, *, timeouts: bool = True) -> dict[str, Any]:
    """A database URL as tortoise's connection setting: SQLite through
    :mod:`core.storage.sqlite_inline` (statements run in the event loop's thread),
    PostgreSQL through :mod:`core.storage.postgres` (no reset round trip when the pool
    takes a connection back; the pool taken first come, first served), with
    ``POSTGRES_TIMEOUTS`` unless ``timeouts`` is False (migrations: a backfill may run
    long, and DDL waits its turn for the servers' transactions)."""
    config: dict[str, Any] = expand_db_url(normalise_url(url))
    if is_sqlite(url):
        return {**config, "engine": "core.storage.sqlite_inline"}
    if config["engine"] == "tortoise.backends.asyncpg":
        from core.storage.postgres import PooledConnection

        config["engine"] = "core.storage.postgres"
        credentials = config["credentials"]
        credentials["connection_class"] = PooledConnection
        given = {name: credentials.pop(name) for name in POSTGRES_TIMEOUTS if name in credentials}
        settings = {**POSTGRES_TIMEOUTS, **given} if timeouts else {}
        credentials["server_settings"] = {**credentials.get("server_settings", {}), **settings}
        client = {
            name: float(credentials.pop(name, default))
            for name, default in POSTGRES_CLIENT_TIMEOUTS.items()
        }
        if timeouts and client["command_timeout"]:
            credentials["command_timeout"] = client["command_timeout"]
        if client["connect_timeout"]:
            credentials["timeout"] = client["connect_timeout"]  # asyncpg's name for it
    return config


def is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL as tortoise opens it (``sqlite://data/x.sqlite3`` is
    relative, ``sqlite:///srv/x.sqlite3`` absolute); None for another database or one in
    memory."""
    if not is_sqlite(url):
        return None
    path = str(expand_db_url(url)["credentials"]["file_path"])
    return None if path in ("", ":memory:") else Path(path)


def orm_config(
    url: str, apps: Sequence[StorageApp] = (), *, timeouts: bool = True
) -> dict[str, Any]:
    """The core's app and each plugin's (``storage_app`` hook); ``timeouts``: see
    :func:`connection_config`."""
    config: dict[str, Any] = {
        "connections": {"default": connection_config(url, timeouts=timeouts)},
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
    for app in apps:
        config["apps"][app.label] = {
            "models": [app.models],
            "default_connection": "default",
            "migrations": app.migrations,
        }
    return config


def __getattr__(name: str) -> Any:
    """``TORTOISE_ORM`` for tortoise's own CLI (``tortoise -c core.storage.config.TORTOISE_ORM
    makemigrations``): the default database of this folder with the built-in plugins' apps.
    Built lazily, so importing this module does not import the plugins."""
    if name == "TORTOISE_ORM":
        from core.plugins.manager import build_plugin_host

        host = build_plugin_host(load_entry_points=False)
        return orm_config("sqlite://data/redbutler.sqlite3", host.storage_apps)
    raise AttributeError(name)
