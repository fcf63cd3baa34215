from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from core.domain.access import Principal
from core.domain.errors import Forbidden
from core.domain.records import AccountRecord, IssuedToken
from core.storage import accounts as store
from core.storage.database import transaction

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
        return await store.account_record(await store.get_account(who.account_id))

    async def issue_token(
        self, who: Principal, account_id: int, label: str, *, token: str | None = None
    ) -> IssuedToken:
        """A new token for ``account_id``, issued by itself, its staff or an admin."""
        account = await store.get_account(account_id)
        if who.account_id != account_id and not who.is_admin:
            target = await store.principal_for(account)
            if account.is_admin or not any(who.is_staff(c) for c in target.roles):
                raise Forbidden(
                    "only the account itself, its community's staff or an admin "
                    "may issue its tokens"
                )
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
