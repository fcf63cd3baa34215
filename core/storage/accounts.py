from __future__ import annotations

from tortoise.exceptions import IntegrityError

from core.domain.access import Principal
from core.domain.enums import Role
from core.domain.errors import Conflict, NotFound
from core.domain.records import AccountRecord, MembershipRecord
from core.storage.models import Account, ApiToken, Membership
from core.storage.raw import Raw


async def principal_for_token(token_hash: str) -> Principal | None:
    """The account a live token belongs to, with its roles: one query, as it runs before
    every call."""
    raw = Raw()
    rows = await raw.rows(
        "SELECT a.id, a.name, a.is_admin, m.community_id, m.role FROM api_token t "
        "JOIN account a ON a.id = t.account_id "
        "LEFT JOIN membership m ON m.account_id = a.id "
        f"WHERE t.token_hash = {raw.param(1)} AND t.revoked_at IS NULL",
        [token_hash],
    )
    if not rows:
        return None
    roles: dict[int, set[Role]] = {}
    for *_, community_id, role in rows:
        if community_id is not None:
            roles.setdefault(community_id, set()).add(Role(role))
    account_id, name, is_admin = rows[0][:3]
    return Principal(
        account_id=account_id,
        name=name,
        is_admin=bool(is_admin),
        roles={c: frozenset(r) for c, r in roles.items()},
    )


async def principal_for(account: Account) -> Principal:
    roles: dict[int, set[Role]] = {}
    for community_id, role in await Membership.filter(account_id=account.id).values_list(
        "community_id", "role"
    ):
        roles.setdefault(community_id, set()).add(Role(role))
    return Principal(
        account_id=account.id,
        name=account.name,
        is_admin=account.is_admin,
        roles={c: frozenset(r) for c, r in roles.items()},
    )


async def create_account(name: str, phone: str | None = None, *, is_admin: bool = False) -> Account:
    return await Account.create(name=name, phone=phone, is_admin=is_admin)


async def get_account(account_id: int) -> Account:
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


async def add_token(account_id: int, token_hash: str, label: str) -> None:
    await ApiToken.create(account_id=account_id, token_hash=token_hash, label=label)


async def add_membership(account_id: int, community_id: int, role: Role) -> Membership:
    try:
        return await Membership.create(account_id=account_id, community_id=community_id, role=role)
    except IntegrityError:
        raise Conflict(
            f"account {account_id} is already a {role} of community {community_id}"
        ) from None


async def account_record(account: Account) -> AccountRecord:
    memberships = (
        await Membership.filter(account_id=account.id)
        .order_by("id")
        .values_list("community_id", "role")
    )
    return AccountRecord(
        id=account.id,
        name=account.name,
        phone=account.phone,
        is_admin=account.is_admin,
        memberships=[MembershipRecord(community_id=c, role=Role(r)) for c, r in memberships],
    )
