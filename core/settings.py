"""Process settings, from arguments or ``REDBUTLER_*`` environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import msgspec

from core.storage.config import default_database_url


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    # Seconds between sweeps that expire unanswered offers and re-offer; 0 turns it off.
    sweep_interval: float = 30.0
    offer_ttl: timedelta = timedelta(hours=2)
    load_demo: bool = False
    # Migrate on start-up. Several workers leave it to the process that starts them.
    migrate: bool = True
    # Calls a minute per account (0: no limit); counted in Redis when redis_url is set, so
    # that several workers share the count.
    rate_limit: int = 600
    redis_url: str | None = None
    # A server process (``serve``): once started, free what starting left behind and keep
    # what survives out of the garbage collector's later full passes (``api.app``).
    settle_after_start: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        data_dir = Path(os.environ.get("REDBUTLER_DATA_DIR", "data"))
        values: dict[str, object] = {
            "database_url": os.environ.get("REDBUTLER_DATABASE_URL")
            or default_database_url(data_dir),
        }
        if "REDBUTLER_OFFER_TTL_MINUTES" in os.environ:
            values["offer_ttl"] = timedelta(
                minutes=float(os.environ["REDBUTLER_OFFER_TTL_MINUTES"])
            )
        if "REDBUTLER_RATE_LIMIT" in os.environ:
            values["rate_limit"] = int(os.environ["REDBUTLER_RATE_LIMIT"])
        if os.environ.get("REDBUTLER_REDIS_URL"):
            values["redis_url"] = os.environ["REDBUTLER_REDIS_URL"]
        if os.environ.get("REDBUTLER_MIGRATE") == "0":
            values["migrate"] = False
        if "REDBUTLER_SWEEP_SECONDS" in os.environ:
            values["sweep_interval"] = float(os.environ["REDBUTLER_SWEEP_SECONDS"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return msgspec.convert(values, cls)
