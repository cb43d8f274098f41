"""API of organisation and access: me, org units, users, role assignments, personal tokens."""


import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors, services
from finassure.accounts.models import User
from finassure.accounts.roles import Perm, Role
from finassure.platform.api import DbId, PageNumber

router = Router(tags=["accounts"])


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent_id: int | None
    business_line_id: int | None
    depth: int
    is_active: bool


class RoleAssignmentOut(Schema):
    id: int
    role: str
    org_unit_id: int
    include_descendants: bool
    valid_from: dt.datetime
    valid_until: dt.datetime | None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    org_unit_id: int | None
    is_active: bool
    language: str = Field(description="the user's own language (zh-hans, en); empty: the institution's")


class MeOut(UserOut):
    roles: list[str]
    permissions: list[str]


class MeIn(Schema):
    language: str = Field(..., max_length=10, description="zh-hans, en, or empty for the institution's language")


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    display_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field("", max_length=254)
    org_unit_id: DbId


class UserCreatedOut(Schema):
    user: UserOut
    temporary_password: str | None


class RoleAssignIn(Schema):
    role: Role
    org_unit_id: DbId
    include_descendants: bool = True
    valid_until: dt.datetime | None = None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int = Field(90, ge=1, le=366)
    read_only: bool = True


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    read_only: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest) -> Any:
    user = request.user
    return {
        **UserOut.from_orm(user).dict(),
        "roles": sorted(selectors.roles_of(user)),
        "permissions": sorted(selectors.permissions_of(user)),
    }


@router.patch("/me", response=MeOut, tags=["accounts"])
def update_me(request: HttpRequest, payload: MeIn) -> Any:
    """Set your own language: of your pages after sign-in, your notifications and e-mails."""
    services.user_set_language(actor=cast(User, request.user), language=payload.language)
    return me(request)


@router.get("/org-units", response=list[OrgUnitOut])
@paginate(PageNumber)
def list_org_units(request: HttpRequest) -> Any:
    return selectors.org_unit_list(actor=request.user)


@router.get("/org-units/{unit_id}", response=OrgUnitOut)
def get_org_unit(request: HttpRequest, unit_id: DbId) -> Any:
    return selectors.org_unit_get(actor=request.user, pk=unit_id)


@router.get("/users", response=list[UserOut])
@paginate(PageNumber)
def list_users(request: HttpRequest, q: str = "", org_unit: DbId | None = None, role: str = "",
               active: bool | None = None) -> Any:
    selectors.require(request.user, Perm.USER_VIEW)
    return selectors.user_list(actor=request.user, search=q, org_unit_id=org_unit, role=role, active=active)


@router.post("/users", response={201: UserCreatedOut})
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    selectors.require(request.user, Perm.USER_MANAGE)
    unit = selectors.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=Perm.USER_MANAGE)
    user, temporary = services.user_create(actor=request.user, username=payload.username,
                                           display_name=payload.display_name, email=payload.email, org_unit=unit)
    return Status(201, {"user": user, "temporary_password": temporary})


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: DbId) -> Any:
    selectors.require(request.user, Perm.USER_VIEW)
    return selectors.user_get(actor=request.user, pk=user_id)


@router.get("/users/{user_id}/roles", response=list[RoleAssignmentOut])
def list_user_roles(request: HttpRequest, user_id: DbId) -> Any:
    selectors.require(request.user, Perm.USER_VIEW)
    subject = selectors.user_get(actor=request.user, pk=user_id)
    return list(selectors.role_assignments_of(actor=request.user, user=subject))


@router.post("/users/{user_id}/roles", response={201: RoleAssignmentOut})
def assign_role(request: HttpRequest, user_id: DbId, payload: RoleAssignIn) -> Any:
    selectors.require(request.user, Perm.ROLE_ASSIGN)
    subject = selectors.user_get(actor=request.user, pk=user_id)
    unit = selectors.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=Perm.ROLE_ASSIGN)
    assignment = services.role_assign(actor=request.user, user=subject, role=payload.role.value, org_unit=unit,
                                      include_descendants=payload.include_descendants,
                                      valid_until=payload.valid_until)
    return Status(201, assignment)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> Any:
    return list(selectors.token_list(actor=request.user))


@router.post("/tokens", response={201: TokenCreatedOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    token, raw = services.token_create(actor=cast(User, request.user), name=payload.name, days=payload.days,
                                       read_only=payload.read_only)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: DbId) -> Any:
    services.token_revoke(actor=cast(User, request.user), token=selectors.token_get(actor=request.user, pk=token_id))
    return Status(204, None)
