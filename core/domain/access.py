"""Who is acting: an account with its roles per community. Pure; checks raise domain errors."""

from __future__ import annotations

import msgspec

from core.domain.enums import Role
from core.domain.errors import Forbidden


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    name: str
    is_admin: bool = False
    roles: dict[int, frozenset[Role]] = {}
    # The account's volunteer profiles and resident records (their ids, at most one of each
    # a compound), read with its roles: what its own lists start from. None when not read
    # (a principal made by hand); whoever needs them then looks them up.
    volunteer_ids: tuple[int, ...] | None = None
    resident_ids: tuple[int, ...] | None = None

    def has(self, role: Role, community_id: int) -> bool:
        return role in self.roles.get(community_id, frozenset())

    def is_staff(self, community_id: int) -> bool:
        return self.is_admin or self.has(Role.STAFF, community_id)

    def require_staff(self, community_id: int) -> None:
        if not self.is_staff(community_id):
            raise Forbidden(f"only staff of community {community_id} may do this")

    def require_member(self, community_id: int) -> None:
        if not self.is_admin and community_id not in self.roles:
            raise Forbidden(f"you are not a member of community {community_id}")

    @property
    def staff_communities(self) -> frozenset[int]:
        return frozenset(c for c, roles in self.roles.items() if Role.STAFF in roles)
