"""Services of organisation and access: role rules, scopes, tokens, and the audit records they write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts import selectors, services
from finassure.accounts.models import ApiToken, OrgUnit
from finassure.accounts.roles import Perm, Role
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_org_units_form_a_tree_with_paths(org: Any) -> None:
    assert org.haidian.path == f"/{org.head.pk}/{org.beijing.pk}/{org.haidian.pk}/"
    assert org.haidian.is_within(org.beijing) and not org.shanghai.is_within(org.beijing)
    assert list(selectors.units_under(org.beijing)) == [org.beijing, org.haidian]


def test_a_grant_covers_sub_units_only_when_asked(org: Any, make_user: Any) -> None:
    user = make_user(None)
    services.role_assign(actor=None, user=user, role=Role.SYSTEM_ADMIN, org_unit=org.beijing,
                         include_descendants=False)
    assert selectors.has_perm(user, Perm.USER_MANAGE, org.beijing)
    assert not selectors.has_perm(user, Perm.USER_MANAGE, org.haidian)
    assert not selectors.has_perm(user, Perm.USER_MANAGE, org.shanghai)


def test_user_lists_are_scoped_to_the_actors_units(org: Any, make_user: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="beijing")
    inside = make_user(Role.EMPLOYEE, unit="haidian")
    outside = make_user(Role.EMPLOYEE, unit="shanghai")
    visible = set(selectors.user_list(actor=admin))
    assert inside in visible and outside not in visible


def test_the_three_administrator_roles_are_exclusive(org: Any, make_user: Any) -> None:
    user = make_user(Role.SYSTEM_ADMIN, unit="head")
    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        with pytest.raises(Conflict):
            services.role_assign(actor=None, user=user, role=role, org_unit=org.head)
    services.role_assign(actor=None, user=user, role=Role.EMPLOYEE, org_unit=org.head)


def test_nobody_assigns_their_own_roles(org: Any, make_user: Any) -> None:
    security = make_user(Role.SECURITY_ADMIN, unit="head")
    with pytest.raises(PermissionDenied):
        services.role_assign(actor=security, user=security, role=Role.RISK_MANAGER, org_unit=org.head)


def test_a_security_admin_cannot_grant_outside_their_units(org: Any, make_user: Any) -> None:
    security = make_user(Role.SECURITY_ADMIN, unit="shanghai")
    target = make_user(None, unit="beijing")
    with pytest.raises(PermissionDenied):
        services.role_assign(actor=security, user=target, role=Role.EMPLOYEE, org_unit=org.beijing)


def test_an_external_assessor_needs_an_end_date_and_loses_access_after_it(org: Any, make_user: Any) -> None:
    assessor = make_user(None, unit="head")
    with pytest.raises(ValidationFailed):
        services.role_assign(actor=None, user=assessor, role=Role.EXTERNAL_ASSESSOR, org_unit=org.head)
    assignment = services.role_assign(actor=None, user=assessor, role=Role.EXTERNAL_ASSESSOR, org_unit=org.head,
                                      valid_until=timezone.now() + dt.timedelta(days=1))
    assert selectors.has_perm(assessor, Perm.DASHBOARD_VIEW)
    type(assignment).objects.filter(pk=assignment.pk).update(valid_from=timezone.now() - dt.timedelta(days=3),
                                                             valid_until=timezone.now() - dt.timedelta(seconds=1))
    selectors.clear_cache(assessor)
    assert not selectors.has_perm(assessor, Perm.DASHBOARD_VIEW)


def test_role_changes_are_audited(org: Any, make_user: Any) -> None:
    security = make_user(Role.SECURITY_ADMIN, unit="head")
    target = make_user(None)
    assignment = services.role_assign(actor=security, user=target, role=Role.TRAINER, org_unit=org.beijing)
    services.role_revoke(actor=security, assignment=assignment)
    actions = list(AuditEvent.objects.filter(object_type="accounts.roleassignment", actor=security)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["role.assign", "role.revoke"]
    assert AuditEvent.objects.filter(action="role.assign", actor=security, changes__role="trainer").exists()


def test_tokens_are_stored_hashed_and_shown_once(make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    token, raw = services.token_create(actor=user, name="reporting", days=30)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("fa_") and raw not in {stored.digest, stored.prefix}
    assert stored.digest == services.token_digest(raw)
    assert services.token_authenticate(raw) == stored


def test_revoked_and_expired_tokens_are_refused_and_recorded(make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    token, raw = services.token_create(actor=user, name="a")
    services.token_revoke(actor=user, token=token)
    assert services.token_authenticate(raw) is None
    expired, raw2 = services.token_create(actor=user, name="b")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.token_authenticate(raw2) is None
    reasons = set(AuditEvent.objects.filter(action="auth.token_rejected").values_list("detail__reason", flat=True))
    assert reasons == {"revoked", "expired_or_inactive"}


def test_deactivating_a_user_revokes_their_tokens(org: Any, make_user: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    user = make_user(Role.EMPLOYEE)
    _, raw = services.token_create(actor=user, name="a")
    services.user_set_active(actor=admin, user=user, active=False)
    assert services.token_authenticate(raw) is None


def test_an_org_unit_code_is_unique_within_the_institution(org: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.org_unit_create(actor=None, parent=org.head, code=org.beijing.code, name="重复",
                                 kind=OrgUnit.Kind.BRANCH)
    assert "code" in info.value.fields


def test_an_admin_reset_forces_a_password_change(org: Any, make_user: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    user = make_user(Role.EMPLOYEE)
    temporary = services.user_reset_password(actor=admin, user=user)
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(temporary)
    assert AuditEvent.objects.filter(action="user.password_reset", object_id=str(user.pk)).exists()
    assert temporary not in str(list(AuditEvent.objects.values_list("changes", "detail")))


def test_personal_data_is_masked_in_the_audit_trail(org: Any) -> None:
    user, _ = services.user_create(actor=None, username="mobile-owner", display_name="王五", org_unit=org.beijing,
                                   password="Correct-Horse-9")
    user.mobile = "13812345678"
    user.save()
    from finassure.platform import audit

    snap = audit.snapshot(user)
    assert snap["mobile"] == "138****5678"
    assert "password" not in snap
