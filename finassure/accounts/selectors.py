"""Reads of organisation and access, always scoped to the caller: what a user may see and do, and where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from finassure.accounts.models import ApiToken, OrgUnit, RoleAssignment, User
from finassure.accounts.roles import ROLE_PERMISSIONS, Role
from finassure.platform.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    include_descendants: bool

    def covers(self, unit: OrgUnit) -> bool:
        if self.include_descendants:
            return unit.path.startswith(self.unit_path)
        return unit.pk == self.unit_id


@dataclass(frozen=True)
class Scope:
    """The org units in which a user holds a permission."""

    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.grants

    def q(self, unit_field: str = "org_unit") -> Q:
        """A filter for records whose `unit_field` (a FK to OrgUnit, or "" for OrgUnit itself) is in scope."""
        prefix = f"{unit_field}__" if unit_field else ""
        if not self.grants:
            return Q(pk__in=[])
        query = Q()
        for grant in self.grants:
            if grant.include_descendants:
                query |= Q(**{f"{prefix}path__startswith": grant.unit_path})
            else:
                query |= Q(**{f"{prefix}pk" if not unit_field else f"{unit_field}_id": grant.unit_id})
        return query

    def ancestor_ids(self) -> list[int]:
        """The units above each granted unit, and those units themselves (from the materialised paths): where
        the records that apply downwards come from (a head office's policies, its training catalogue)."""
        return sorted({int(part) for g in self.grants for part in g.unit_path.strip("/").split("/") if part})

    def unit_ids(self) -> QuerySet[OrgUnit, Any]:
        return OrgUnit.objects.filter(self.q("")).values_list("pk", flat=True)

    def covers(self, unit: OrgUnit | None) -> bool:
        if unit is None:
            return not self.is_empty
        return any(g.covers(unit) for g in self.grants)


def _grants(user: Any) -> tuple[tuple[str, Grant], ...]:
    """All in-force (role, grant) pairs of a user, cached on the user object for the request."""
    cached = getattr(user, "_finassure_grants", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        grants: tuple[tuple[str, Grant], ...] = ()
    else:
        rows = RoleAssignment.objects.in_force().filter(user=user).select_related("org_unit")
        grants = tuple(
            (a.role, Grant(a.role, a.org_unit_id, a.org_unit.path, a.include_descendants)) for a in rows
        )
    user._finassure_grants = grants
    return grants


def clear_cache(user: Any) -> None:
    if hasattr(user, "_finassure_grants"):
        del user._finassure_grants


def roles_of(user: Any) -> set[str]:
    return {role for role, _ in _grants(user)}


def permissions_of(user: Any) -> set[str]:
    perms: set[str] = set()
    for role, _grant in _grants(user):
        perms |= ROLE_PERMISSIONS.get(role, set())
    return perms


def scope_for(user: Any, perm: str) -> Scope:
    return Scope(tuple(g for role, g in _grants(user) if perm in ROLE_PERMISSIONS.get(role, set())))


def has_perm(user: Any, perm: str, unit: OrgUnit | None = None) -> bool:
    return scope_for(user, perm).covers(unit)


def require(user: Any, perm: str, unit: OrgUnit | None = None) -> None:
    """Raise PermissionDenied unless `user` holds `perm` at `unit` (or anywhere, when unit is None)."""
    if not has_perm(user, perm, unit):
        raise PermissionDenied(_("You do not have permission to do this here."), extra={"permission": perm})


def require_writer(user: Any, read_only_token: bool = False) -> None:
    if read_only_token:
        raise PermissionDenied(_("This API token is read-only."))


# --- organisation -------------------------------------------------------------------------------


def org_unit_list(*, actor: Any, perm: str = "accounts.view_org") -> QuerySet[OrgUnit]:
    scope = scope_for(actor, perm)
    return OrgUnit.objects.filter(scope.q("")).select_related("business_line", "parent").order_by("path")


def org_unit_get(*, actor: Any, pk: int, perm: str = "accounts.view_org") -> OrgUnit:
    unit = org_unit_list(actor=actor, perm=perm).filter(pk=pk).first()
    if unit is None:
        raise NotFound(_("No such org unit."))
    return unit


def units_under(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


# --- users --------------------------------------------------------------------------------------


def user_list(*, actor: Any, search: str = "", org_unit_id: int | None = None, role: str = "",
              active: bool | None = None) -> QuerySet[User]:
    scope = scope_for(actor, "accounts.view_user")
    qs = User.objects.filter(scope.q("org_unit")).select_related("org_unit")
    if search:
        qs = qs.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    if org_unit_id:
        qs = qs.filter(org_unit_id=org_unit_id)
    if role:
        qs = qs.filter(role_assignments__role=role).distinct()
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("org_unit__path", "username")


def user_get(*, actor: Any, pk: int) -> User:
    user = user_list(actor=actor).filter(pk=pk).first()
    if user is None:
        raise NotFound(_("No such user."))
    return user


def role_assignments_of(*, actor: Any, user: User) -> QuerySet[RoleAssignment]:
    user_get(actor=actor, pk=user.pk)  # the subject must be in the actor's scope
    return user.role_assignments.select_related("org_unit").order_by("role")


def assignable_roles(*, actor: Any) -> list[tuple[str, Any]]:
    return list(Role.choices) if not scope_for(actor, "accounts.assign_role").is_empty else []


def assignments_in_force(*, user: Any) -> QuerySet[RoleAssignment]:
    """The actor's own role assignments now in force (for "my roles")."""
    return RoleAssignment.objects.in_force().filter(user=user).select_related("org_unit").order_by("role")


def users_with_role(*, role: str, unit: OrgUnit) -> QuerySet[User]:
    """Users holding `role` at `unit` (directly or through an ancestor grant): for notifications."""
    ancestor_ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    return User.objects.filter(
        Q(role_assignments__org_unit=unit) | Q(role_assignments__org_unit_id__in=ancestor_ids,
                                              role_assignments__include_descendants=True),
        role_assignments__role=role,
        is_active=True,
    ).distinct()


# --- tokens -------------------------------------------------------------------------------------


def token_list(*, actor: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor).order_by("-created_at")


def token_get(*, actor: Any, pk: int) -> ApiToken:
    token = token_list(actor=actor).filter(pk=pk).first()
    if token is None:
        raise NotFound(_("No such token."))
    return token


def unit_choices(*, actor: Any, perm: str) -> Iterable[OrgUnit]:
    return org_unit_list(actor=actor, perm=perm)
