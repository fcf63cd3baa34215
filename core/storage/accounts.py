from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.domain.access import Principal
from core.domain.enums import Role
from core.domain.errors import Conflict, NotFound
from core.domain.phone import masked
from core.domain.records import AccountRecord, MembershipRecord
from core.storage.models import Account, ApiToken, Membership
from core.storage.raw import Raw


async def principal_for_token(token_hash: str) -> Principal | None:
    """The account a live token belongs to, with its roles and its volunteer and resident
    ids: one query, as it runs before every call."""
    raw = Raw()
    return _principal(
        await raw.rows(
            f"{_PRINCIPAL} FROM api_token t JOIN account a ON a.id = t.account_id {_ROLES} "
            f"WHERE t.token_hash = {raw.param(1)} AND t.revoked_at IS NULL",
            [token_hash],
        )
    )


async def principal_for(account: Account) -> Principal:
    raw = Raw()
    found = _principal(
        await raw.rows(
            f"{_PRINCIPAL} FROM account a {_ROLES} WHERE a.id = {raw.param(1)}", [account.id]
        )
    )
    if found is None:
        raise NotFound(f"account {account.id} not found")
    return found


_PRINCIPAL = "SELECT a.id, a.name, a.is_admin, m.community_id, m.role, v.id, res.id"
# Each membership, and the volunteer profile or resident record it holds (one to one).
_ROLES = (
    "LEFT JOIN membership m ON m.account_id = a.id "
    "LEFT JOIN volunteer v ON v.membership_id = m.id "
    "LEFT JOIN resident res ON res.membership_id = m.id"
)


def _principal(rows: list[tuple[Any, ...]]) -> Principal | None:
    """A principal from the rows of ``_PRINCIPAL``: one a membership (or one, with NULLs,
    for an account with none)."""
    if not rows:
        return None
    roles: dict[int, set[Role]] = {}
    volunteers: set[int] = set()
    residents: set[int] = set()
    for *_, community_id, role, volunteer_id, resident_id in rows:
        if community_id is not None:
            roles.setdefault(community_id, set()).add(Role(role))
        if volunteer_id is not None:
            volunteers.add(int(volunteer_id))
        if resident_id is not None:
            residents.add(int(resident_id))
    account_id, name, is_admin = rows[0][:3]
    return Principal(
        account_id=account_id,
        name=name,
        is_admin=bool(is_admin),
        roles={c: frozenset(r) for c, r in roles.items()},
        volunteer_ids=tuple(sorted(volunteers)),
        resident_ids=tuple(sorted(residents)),
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


async def on_phone(community_id: int, phone: str, *, besides: int) -> list[int]:
    """The ids of the compound's other accounts (not ``besides``) on ``phone`` (E.164)."""
    ids: list[Any] = (
        await Account.filter(phone=phone, memberships__community_id=community_id)
        .exclude(id=besides)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [int(i) for i in ids]


async def lock_account(account_id: int) -> None:
    """Take the account's row first in an edit (a write that changes nothing)."""
    await Account.filter(id=account_id).update(name=F("name"))


async def update_account(account_id: int, **values: object) -> None:
    if values:
        await Account.filter(id=account_id).update(**values)


async def account_record(account: Account, *, full_phone: bool) -> AccountRecord:
    """``full_phone``: the number as stored, for the account itself (or the call that set
    it); else masked (``core.domain.phone.masked``)."""
    memberships = (
        await Membership.filter(account_id=account.id)
        .order_by("id")
        .values_list("community_id", "role")
    )
    return AccountRecord(
        id=account.id,
        name=account.name,
        phone=account.phone if full_phone or account.phone is None else masked(account.phone),
        is_admin=account.is_admin,
        memberships=[MembershipRecord(community_id=c, role=Role(r)) for c, r in memberships],
    )
