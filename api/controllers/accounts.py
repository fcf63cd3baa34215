from __future__ import annotations

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.etags import ETAG_HEADER, IfMatch, tagged
from core.domain.access import Principal
from core.domain.commands import IssueToken, UpdateAccount
from core.domain.records import AccountRecord, IssuedToken
from core.services import Services


class AccountController(Controller):
    tags = ["accounts"]

    @get(
        "/me",
        summary="The calling account and its roles per community",
        response_headers=[ETAG_HEADER],
    )
    async def me(
        self, services: NamedDependency[Services], who: NamedDependency[Principal]
    ) -> Response[AccountRecord]:
        return tagged(await services.accounts.me(who))

    @get(
        "/accounts/{account_id:int}",
        summary="An account (itself, its community's staff or an admin); the phone is masked "
        "but to the account itself",
        response_headers=[ETAG_HEADER],
    )
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        account_id: FromPath[int],
    ) -> Response[AccountRecord]:
        return tagged(await services.accounts.account(who, account_id))

    @patch(
        "/accounts/{account_id:int}",
        summary="Correct a name or phone (fields sent are replaced; phone null removes it); "
        "send If-Match with the ETag you read to refuse a lost update (412)",
        response_headers=[ETAG_HEADER],
    )
    async def update(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        account_id: FromPath[int],
        data: JSONBody[UpdateAccount],
        if_match: IfMatch = None,
    ) -> Response[AccountRecord]:
        return tagged(await services.accounts.update(who, account_id, data, if_match))

    @post("/accounts/{account_id:int}/tokens", summary="Issue a bearer token (shown once)")
    async def issue_token(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        account_id: FromPath[int],
        data: JSONBody[IssueToken],
    ) -> IssuedToken:
        return await services.accounts.issue_token(who, account_id, data.label)
