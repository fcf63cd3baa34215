from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from msgspec import UNSET

from core.domain import phone
from core.domain.access import Principal
from core.domain.commands import UpdateAccount
from core.domain.errors import Forbidden
from core.domain.etag import check
from core.domain.records import AccountRecord, IssuedToken
from core.storage import accounts as store
from core.storage.database import transaction
from core.storage.models import Account

if TYPE_CHECKING:
    from core.services import Services

TOKEN_PREFIX = "rb_"


def hash_token(token: str) -> str:
    """Tokens are 256-bit random secrets, so a plain SHA-256 is the right hash (a slow
    password hash protects low-entropy secrets and would cost every request)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


class AccountService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def authenticate(self, token: str) -> Principal | None:
        return await store.principal_for_token(hash_token(token))

    async def me(self, who: Principal) -> AccountRecord:
        return await store.account_record(await store.get_account(who.account_id), full_phone=True)

    async def _managed(self, who: Principal, account_id: int, what: str) -> Account:
        """The account, if ``who`` is that account, staff of a compound it belongs to, or
        an admin (an admin account only by itself or another admin); else 403."""
        account = await store.get_account(account_id)
        if who.account_id != account_id and not who.is_admin:
            target = await store.principal_for(account)
            if account.is_admin or not any(who.is_staff(c) for c in target.roles):
                raise Forbidden(
                    f"only the account itself, its community's staff or an admin may {what}"
                )
        return account

    async def account(self, who: Principal, account_id: int) -> AccountRecord:
        """An account as its staff see it: its phone masked but to the account itself."""
        account = await self._managed(who, account_id, "read it")
        return await store.account_record(account, full_phone=who.account_id == account_id)

    async def update(
        self, who: Principal, account_id: int, cmd: UpdateAccount, if_match: str | None = None
    ) -> AccountRecord:
        """Correct a name or phone (a resident's new number, typed by staff). ``if_match``:
        the ETag of the account as the caller read it; 412 if it has changed since."""
        await self._managed(who, account_id, "change it")
        values: dict[str, Any] = {}
        if cmd.name is not UNSET:
            values["name"] = cmd.name
        if cmd.phone is not UNSET:
            values["phone"] = phone.checked(cmd.phone, "phone")
        own = who.account_id == account_id
        async with transaction():
            await store.lock_account(account_id)
            if if_match is not None:
                shown = await store.account_record(
                    await store.get_account(account_id), full_phone=own
                )
                check(if_match, shown, f"account {account_id}")
            await store.update_account(account_id, **values)
        # As the caller reads it (masked to staff, even a number they just typed), so the
        # answer's ETag is the one their next If-Match must carry.
        return await store.account_record(await store.get_account(account_id), full_phone=own)

    async def issue_token(
        self, who: Principal, account_id: int, label: str, *, token: str | None = None
    ) -> IssuedToken:
        """A new token for ``account_id``, issued by itself, its staff or an admin."""
        await self._managed(who, account_id, "issue its tokens")
        secret = token or new_token()
        await store.add_token(account_id, hash_token(secret), label)
        return IssuedToken(account_id=account_id, token=secret, label=label)

    async def bootstrap_admin(self, name: str, *, token: str | None = None) -> IssuedToken:
        """Operator bootstrap (CLI only): a new admin account and its first token."""
        async with transaction():
            account = await store.create_account(name, is_admin=True)
            secret = token or new_token()
            await store.add_token(account.id, hash_token(secret), "bootstrap")
        return IssuedToken(account_id=account.id, token=secret, label="bootstrap")
