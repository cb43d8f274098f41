"""Access reviews: campaigns over finassure's role assignments or imported lists; confirm or revoke; evidence kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finassure.accounts.models import RoleAssignment
from finassure.accounts.roles import Role
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.security import services
from finassure.security.models import AccessReview, AccessReviewItem

pytestmark = pytest.mark.django_db
DUE = dt.date(2030, 6, 30)


def test_a_campaign_lists_every_assignment_in_the_subtree_and_a_revocation_takes_effect(org: Any,
                                                                                      make_user: Any) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    reviewer = make_user(Role.SECURITY_ADMIN, unit="head")
    clerk = make_user(Role.SERVICE_AGENT, unit="haidian")
    teller = make_user(Role.EMPLOYEE, unit="beijing")
    make_user(Role.EMPLOYEE, unit="shanghai")  # outside Beijing: not in this campaign
    review = services.access_review_start(actor=admin, org_unit=org.beijing, title="北京分行权限复核",
                                          reviewer=reviewer, due_on=DUE)
    items = {i.account: i for i in review.items.all()}
    assert set(items) == {clerk.username, teller.username}
    with pytest.raises(PermissionDenied):  # only the named reviewer decides
        services.access_review_decide(actor=admin, item=items[clerk.username], decision="confirmed")
    with pytest.raises(ValidationFailed):  # revoking needs a reason
        services.access_review_decide(actor=reviewer, item=items[clerk.username], decision="revoked")
    services.access_review_decide(actor=reviewer, item=items[clerk.username], decision="revoked", note="已调岗")
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    with pytest.raises(Conflict):  # an item still pending
        services.access_review_close(actor=admin, review=review)
    services.access_review_decide(actor=reviewer, item=items[teller.username], decision="confirmed")
    review = services.access_review_close(actor=admin, review=review)
    assert review.state == AccessReview.State.CLOSED
    kept = AccessReviewItem.objects.get(account=clerk.username)  # the evidence survives the revocation
    assert (kept.decision, kept.role, kept.assignment) == ("revoked", Role.SERVICE_AGENT, None)
    assert AuditEvent.objects.filter(action="role.revoke").count() == 1
    assert AuditEvent.objects.filter(action="access_review.revoked").count() == 1


def test_nobody_recertifies_their_own_access(org: Any, make_user: Any) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    reviewer = make_user(Role.SECURITY_ADMIN, unit="beijing")
    review = services.access_review_start(actor=admin, org_unit=org.beijing, title="复核", reviewer=reviewer, due_on=DUE)
    own = review.items.get(account=reviewer.username)
    with pytest.raises(PermissionDenied):
        services.access_review_decide(actor=reviewer, item=own, decision="confirmed")


def test_the_reviewer_of_finassure_access_must_be_able_to_revoke(org: Any, make_user: Any) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    with pytest.raises(ValidationFailed):
        services.access_review_start(actor=admin, org_unit=org.beijing, title="复核",
                                     reviewer=make_user(Role.EMPLOYEE, unit="beijing"), due_on=DUE)
    assert AccessReview.objects.count() == 0


def test_an_imported_account_list_is_reviewed_with_row_errors_refused(org: Any, make_user: Any) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    reviewer = make_user(Role.RISK_MANAGER, unit="head")
    bad = "account,name,role\nzhangsan,张三,柜员\n,李四,主管\n".encode()
    with pytest.raises(ValidationFailed) as exc:
        services.access_review_import(actor=admin, org_unit=org.head, title="核心系统账号复核", system_name="核心系统",
                                      reviewer=reviewer, due_on=DUE, file_name="core.csv", data=bad)
    assert exc.value.fields["file"] == ["line 3: account and role are required"]
    assert AccessReview.objects.count() == 0
    good = "account,name,role\nzhangsan,张三,柜员\nlisi,李四,主管\n".encode()
    review = services.access_review_import(actor=admin, org_unit=org.head, title="核心系统账号复核",
                                           system_name="核心系统", reviewer=reviewer, due_on=DUE,
                                           file_name="core.csv", data=good)
    item = review.items.get(account="lisi")
    services.access_review_decide(actor=reviewer, item=item, decision="revoked", note="离职未注销")
    item.refresh_from_db()
    assert item.decision == "revoked" and item.decided_at is not None


def test_the_review_page_lets_the_reviewer_decide(org: Any, make_user: Any, login_client: Any) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    reviewer = make_user(Role.SECURITY_ADMIN, unit="head")
    make_user(Role.EMPLOYEE, unit="haidian")
    review = services.access_review_start(actor=admin, org_unit=org.haidian, title="海淀支行复核", reviewer=reviewer,
                                          due_on=DUE)
    item = review.items.get()
    client = login_client(reviewer)
    assert "Confirm" in client.get(f"/security/access-reviews/{review.pk}/").content.decode()
    response = client.post(f"/security/access-reviews/{review.pk}/decide/", {"item": item.pk,
                                                                          "decision": "confirmed"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == "confirmed"
