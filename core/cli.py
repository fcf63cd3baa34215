"""The ``redbutler`` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core.domain.errors import PluginError
from core.settings import Settings


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    return Settings.from_env(database_url=args.database_url, **extra)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from core.storage.config import is_sqlite

    settings = _settings(args, load_demo=args.demo, settle_after_start=True)
    if args.workers != 1 and is_sqlite(settings.database_url):
        print(
            "error: the embedded SQLite database takes one worker; use PostgreSQL "
            "(--database-url postgres://...) for --workers > 1",
            file=sys.stderr,
        )
        return 2
    base = f"http://{args.host}:{args.port}"
    print(f"redbutler on {base}  (database: {settings.database_url})")
    print(f"  API docs: {base}/schema  (Swagger UI: {base}/schema/swagger)")
    if args.demo:
        from core.demo import DEMO_TOKENS

        print("  demo community 'Mingyue Harbour' loaded; demo tokens (public, demo only):")
        for who, token in DEMO_TOKENS.items():
            print(f"    {who:16} {token}")
    if args.workers == 1:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            timeout_graceful_shutdown=10,
        )
        return 0
    # Several workers: migrate and load the demo once here, then each worker builds its
    # app from the environment without migrating. The scheduler runs in every worker;
    # each offer, notification and daily batch is still handled exactly once.
    asyncio.run(_prepare(settings))
    os.environ["REDBUTLER_DATABASE_URL"] = settings.database_url
    os.environ["REDBUTLER_MIGRATE"] = "0"
    print(f"  {args.workers} workers")
    from api.workers import run_workers

    run_workers(
        "api.app:app_from_env",
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=10,
    )
    return 0


async def _prepare(settings: Settings) -> None:
    from core.plugins.manager import build_plugin_host
    from core.services import Services
    from core.storage.database import open_database

    services = Services(build_plugin_host())
    async with open_database(settings.database_url, apps=services.host.storage_apps):
        if settings.load_demo:
            from core.demo import load_demo_once

            await load_demo_once(services, settings.database_url)


def cmd_migrate(args: argparse.Namespace) -> int:
    from core.plugins.manager import build_plugin_host
    from core.storage.database import migrate

    settings = _settings(args)
    asyncio.run(migrate(settings.database_url, build_plugin_host().storage_apps))
    print(f"database {settings.database_url} is up to date")
    return 0


async def _with_services(args: argparse.Namespace, action: str) -> int:
    from core.plugins.manager import build_plugin_host
    from core.services import Services
    from core.storage.database import open_database

    settings = _settings(args)
    services = Services(build_plugin_host())
    async with open_database(settings.database_url, apps=services.host.storage_apps):
        if action == "demo":
            from core.demo import load_demo_once

            info = await load_demo_once(services, settings.database_url)
            state = "loaded" if info.created else "already present"
            print(f"demo community {info.community_id} {state}; tokens:")
            for who, token in info.tokens.items():
                print(f"  {who:16} {token}")
        elif action == "create-admin":
            issued = await services.accounts.bootstrap_admin(args.name)
            print(f"admin account {issued.account_id} created; its token (shown once):")
            print(issued.token)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from core.storage.backup import BackupError, backup_sqlite
    from core.storage.config import sqlite_path

    settings = _settings(args)
    source = sqlite_path(settings.database_url)
    if source is None:
        print(
            "redbutler backup copies the embedded SQLite database file; for PostgreSQL use "
            "its own tools, e.g. pg_dump --format=custom --file=FILE DBNAME",
            file=sys.stderr,
        )
        return 2
    try:
        pages = backup_sqlite(source, Path(args.dest))
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {args.dest} ({pages} pages, checked)")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from core.plugins.manager import build_plugin_host

    host = build_plugin_host()
    for info in host.plugins:
        origin = info.source
        if info.distribution:
            origin += f" ({info.distribution} {info.version})"
        print(f"{info.name:28} {origin:36} lines: {', '.join(info.lines) or '-'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="redbutler", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--database-url",
            default=None,
            help="sqlite:///path/file.sqlite3 or postgres://user@host/db "
            "(default: $REDBUTLER_DATABASE_URL or ./data/redbutler.sqlite3)",
        )
        return p

    serve = with_db(sub.add_parser("serve", help="run the HTTP API (migrates on start)"))
    serve.add_argument("--host", default=os.environ.get("REDBUTLER_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("REDBUTLER_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo compound (Mingyue Harbour) if it is not there",
    )
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    with_db(sub.add_parser("migrate", help="apply database migrations")).set_defaults(
        func=cmd_migrate
    )
    with_db(
        sub.add_parser("demo", help="load the demo compound and print its tokens")
    ).set_defaults(func=lambda a: asyncio.run(_with_services(a, "demo")))
    admin = with_db(sub.add_parser("create-admin", help="bootstrap an admin and print its token"))
    admin.add_argument("name")
    admin.set_defaults(func=lambda a: asyncio.run(_with_services(a, "create-admin")))
    backup = with_db(
        sub.add_parser(
            "backup", help="copy the embedded database to a new file, while the server runs"
        )
    )
    backup.add_argument("dest", help="the new file (an existing one is never overwritten)")
    backup.set_defaults(func=cmd_backup)
    sub.add_parser("plugins", help="list plugins and where they came from").set_defaults(
        func=cmd_plugins
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PluginError as exc:
        print(f"plugin error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
