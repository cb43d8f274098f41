"""Persona-matrix routes of sign-in, own account, users, roles, org units and tokens."""

from __future__ import annotations

from finassure.accounts.roles import Perm, Role
from tests.matrix import LOGIN, STAFF, Route, everyone, perm, visible_with

ROUTES = [
    # sign-in and own account
    Route("accounts:login", "GET", lambda c: "/accounts/login/", everyone(302), 200),
    Route("accounts:logout", "POST", lambda c: "/accounts/logout/", everyone(302), 302),
    Route("accounts:otp_setup", "GET", lambda c: "/accounts/2fa/setup/", everyone(302), 302),
    Route("accounts:password_change", "GET", lambda c: "/accounts/password/", everyone(200), 302),
    Route("accounts:tokens", "GET", lambda c: "/accounts/tokens/", perm(STAFF), LOGIN),
    Route("accounts:token_revoke", "POST", lambda c: f"/accounts/tokens/{c.token_id}/revoke/", perm(STAFF, 302),
          LOGIN),
    # users, roles, org units
    Route("accounts:user_list", "GET", lambda c: "/accounts/users/", perm(Perm.USER_VIEW), LOGIN),
    Route("accounts:user_create", "GET", lambda c: "/accounts/users/new/", perm(Perm.USER_MANAGE), LOGIN),
    Route("accounts:user_detail", "GET", lambda c: f"/accounts/users/{c.target.pk}/",
          perm(Perm.USER_VIEW, scoped=True), LOGIN),
    Route("accounts:user_action", "POST", lambda c: f"/accounts/users/{c.target.pk}/reset-password/",
          perm(Perm.USER_MANAGE, scoped=True), LOGIN),
    Route("accounts:user_security", "POST", lambda c: f"/accounts/users/{c.target.pk}/security/unlock/",
          perm(Perm.SECURITY_MANAGE, 302, scoped=True), LOGIN),
    Route("accounts:role_assign", "POST", lambda c: f"/accounts/users/{c.target.pk}/roles/",
          perm(Perm.ROLE_ASSIGN, 302, scoped=True), LOGIN,
          data=lambda c: {"role": Role.TRAINER, "org_unit": c.org.haidian.pk, "include_descendants": "on"}),
    Route("accounts:role_revoke", "POST",
          lambda c: f"/accounts/users/{c.target.pk}/roles/{c.assignment.pk}/revoke/",
          perm(Perm.ROLE_ASSIGN, 302, scoped=True), LOGIN),
    Route("accounts:org_tree", "GET", lambda c: "/accounts/org/", perm(Perm.ORG_VIEW), LOGIN),
    Route("api:me", "GET", lambda c: "/api/v1/me", everyone(200), 401, api=True),
    Route("api:update_me", "PATCH", lambda c: "/api/v1/me", everyone(200), 401, data=lambda c: {"language": "en"},
          api=True),
    Route("api:list_org_units", "GET", lambda c: "/api/v1/org-units", everyone(200), 401, api=True),
    Route("api:get_org_unit", "GET", lambda c: f"/api/v1/org-units/{c.org.haidian.pk}",
          visible_with(Perm.ORG_VIEW), 401, api=True),
    Route("api:list_users", "GET", lambda c: "/api/v1/users", perm(Perm.USER_VIEW), 401, api=True),
    Route("api:create_user", "POST", lambda c: "/api/v1/users", perm(Perm.USER_MANAGE, 201, scoped=True), 401,
          data=lambda c: {"username": f"new-{c.target.pk}", "display_name": "新员工", "org_unit_id": c.org.haidian.pk},
          api=True),
    Route("api:get_user", "GET", lambda c: f"/api/v1/users/{c.target.pk}", perm(Perm.USER_VIEW, scoped=True), 401,
          api=True),
    Route("api:list_user_roles", "GET", lambda c: f"/api/v1/users/{c.target.pk}/roles",
          perm(Perm.USER_VIEW, scoped=True), 401, api=True),
    Route("api:assign_role", "POST", lambda c: f"/api/v1/users/{c.target.pk}/roles",
          perm(Perm.ROLE_ASSIGN, 201, scoped=True), 401,
          data=lambda c: {"role": "trainer", "org_unit_id": c.org.haidian.pk}, api=True),
    Route("api:list_tokens", "GET", lambda c: "/api/v1/tokens", everyone(200), 401, api=True),
    Route("api:create_token", "POST", lambda c: "/api/v1/tokens", everyone(201), 401,
          data=lambda c: {"name": "ci"}, api=True),
    Route("api:revoke_token", "DELETE", lambda c: f"/api/v1/tokens/{c.token_id}", everyone(204), 401, api=True),
]
