from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from core.domain.access import Principal
from core.domain.commands import IssueToken
from core.domain.records import AccountRecord, IssuedToken
from core.services import Services


class AccountController(Controller):
    tags = ["accounts"]

    @get("/me", summary="The calling account and its roles per community")
    async def me(
        self, services: NamedDependency[Services], who: NamedDependency[Principal]
    ) -> AccountRecord:
        return await services.accounts.me(who)

    @post("/accounts/{account_id:int}/tokens", summary="Issue a bearer token (shown once)")
    async def issue_token(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        account_id: FromPath[int],
        data: JSONBody[IssueToken],
    ) -> IssuedToken:
        return await services.accounts.issue_token(who, account_id, data.label)
