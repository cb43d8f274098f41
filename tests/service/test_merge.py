"""Merge of repeat complaints: candidates, the merge itself (status, history, clocks, audit), every refusal,
the page and the API, and statistics and indicators that count a merged duplicate once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import override

from finassure.accounts import selectors as access
from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.framework.periods import Period
from finassure.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.service import clock, indicators, selectors, services
from finassure.service.models import Complaint, ComplaintEvent
from tests.service.factories import PHONE, handled, make_complaint
from tests.support import build_org

pytestmark = pytest.mark.django_db
OTHER_PHONE = "13911112222"
OTHER_ID = "110101198001010018"


@pytest.fixture(autouse=True)
def _english(client: Any) -> Any:
    cache.clear()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages answer in English (the catalogue has zh-hans)
    with override("en"):
        yield


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="beijing")


def pair(org: Any, agent: Any, **dup: Any) -> tuple[Complaint, Complaint]:
    primary = make_complaint(org.haidian, actor=agent, received_at=timezone.now() - dt.timedelta(days=3))
    duplicate = make_complaint(org.haidian, actor=agent, **dup)
    return duplicate, primary


def test_candidates_are_open_complaints_of_the_same_complainant_in_90_days_within_scope(
    org: Any, agent: Any, make_user: Any
) -> None:
    now = timezone.now()
    duplicate = make_complaint(org.haidian, actor=agent)
    same_phone = make_complaint(
        org.beijing, actor=agent, complainant_id_number="", received_at=now - dt.timedelta(days=89)
    )
    same_id = make_complaint(org.haidian, actor=agent, complainant_phone=OTHER_PHONE)
    make_complaint(
        org.haidian, actor=agent, complainant_phone=OTHER_PHONE, complainant_id_number=OTHER_ID
    )  # stranger
    make_complaint(org.haidian, actor=agent, received_at=now - dt.timedelta(days=91))  # too old
    withdrawn = make_complaint(org.haidian, actor=agent)
    services.complaint_withdraw(actor=agent, complaint=withdrawn)
    shanghai = make_complaint(
        org.shanghai, actor=make_user(Role.SERVICE_AGENT, unit="shanghai")
    )  # outside scope
    found = list(selectors.merge_candidates(actor=agent, complaint=duplicate))
    assert set(found) == {same_phone, same_id}
    assert shanghai not in found
    head = make_user(Role.SERVICE_AGENT, unit="head")
    assert shanghai in selectors.merge_candidates(actor=head, complaint=duplicate)


def test_merge_closes_the_duplicate_into_the_primary_with_history_audit_and_nothing_personal(
    org: Any, agent: Any
) -> None:
    duplicate, primary = pair(org, agent)
    services.complaint_accept(actor=agent, complaint=duplicate)
    services.complaint_merge(actor=agent, duplicate=duplicate, primary=primary, reason="同一事项重复来电")
    duplicate.refresh_from_db()
    primary.refresh_from_db()
    assert duplicate.status == Complaint.Status.MERGED and duplicate.merged_into == primary
    assert duplicate.closed_at is not None
    assert primary.status == Complaint.Status.REGISTERED and primary.merged_into is None
    assert list(primary.duplicates.all()) == [duplicate]
    merged = duplicate.events.get(kind=ComplaintEvent.Kind.MERGED)
    assert merged.note == "同一事项重复来电" and merged.data == {"primary": primary.tracking_number}
    back = primary.events.get(kind=ComplaintEvent.Kind.DUPLICATE_MERGED)
    assert back.data == {"duplicate": duplicate.tracking_number}
    texts = json.dumps(
        [
            list(e.values())
            for e in ComplaintEvent.objects.filter(kind__in=["merged", "duplicate_merged"]).values(
                "note", "data"
            )
        ],
        ensure_ascii=False,
    )
    assert PHONE not in texts and "王小明" not in texts and "110101199003074514" not in texts
    actions = set(
        AuditEvent.objects.filter(object_id__in=[str(duplicate.pk), str(primary.pk)]).values_list(
            "action", flat=True
        )
    )
    assert {"complaint.merge", "complaint.merge_primary"} <= actions
    audit = AuditEvent.objects.get(action="complaint.merge", object_id=str(duplicate.pk))
    assert PHONE not in json.dumps(audit.detail) and audit.detail["primary"] == primary.tracking_number


def test_both_clocks_of_the_duplicate_stop_and_the_primary_keeps_its_own(org: Any, agent: Any) -> None:
    now = timezone.now()
    primary = make_complaint(org.haidian, actor=agent, received_at=now - dt.timedelta(hours=30))
    duplicate = make_complaint(org.haidian, actor=agent, received_at=now - dt.timedelta(hours=10))
    services.complaint_accept(actor=agent, complaint=primary, at=now - dt.timedelta(hours=29))
    services.complaint_accept(actor=agent, complaint=duplicate, at=now - dt.timedelta(hours=9))
    primary_before = primary.clocks(now)
    merge_at = now - dt.timedelta(hours=4)
    services.complaint_merge(actor=agent, duplicate=duplicate, primary=primary, reason="重复", at=merge_at)
    sla, regulatory = Complaint.objects.get(pk=duplicate.pk).clocks(now + dt.timedelta(days=40))
    assert (sla.state, sla.stopped_at, sla.elapsed) == (clock.MET, merge_at, dt.timedelta(hours=6))
    assert (regulatory.state, regulatory.stopped_at, regulatory.elapsed) == (
        clock.MET,
        merge_at,
        dt.timedelta(hours=5),
    )
    primary_after = Complaint.objects.get(pk=primary.pk).clocks(now)
    assert primary_after == primary_before
    assert primary_after[0].stopped_at is None and primary_after[0].elapsed == dt.timedelta(hours=30)


def test_refusals_self_empty_reason_and_permission(org: Any, agent: Any, make_user: Any) -> None:
    duplicate, primary = pair(org, agent)
    with pytest.raises(ValidationFailed) as err:
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=duplicate, reason="x")
    assert "itself" in str(err.value.message)
    with pytest.raises(ValidationFailed) as err:
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=primary, reason="  ")
    assert "reason" in err.value.fields
    viewer = make_user(Role.QUALITY_MANAGER, unit="beijing")
    with pytest.raises(PermissionDenied):
        services.complaint_merge(actor=viewer, duplicate=duplicate, primary=primary, reason="重复")
    outsider = make_user(Role.SERVICE_AGENT, unit="shanghai")
    with pytest.raises(PermissionDenied):
        services.complaint_merge(actor=outsider, duplicate=duplicate, primary=primary, reason="重复")
    assert Complaint.objects.get(pk=duplicate.pk).status == Complaint.Status.REGISTERED
    assert not ComplaintEvent.objects.filter(kind__in=["merged", "duplicate_merged"]).exists()


def test_refusals_closed_or_withdrawn_primary(org: Any, agent: Any, make_user: Any) -> None:
    duplicate, primary = pair(org, agent)
    services.complaint_withdraw(actor=agent, complaint=primary)
    with pytest.raises(ValidationFailed, match="closed or withdrawn"):
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=primary, reason="重复")
    closed = make_complaint(org.haidian, actor=agent, received_at=timezone.now() - dt.timedelta(days=5))
    handled(
        closed,
        make_user(Role.SERVICE_AGENT, unit="haidian"),
        start=timezone.now() - dt.timedelta(days=4),
        decide_after=dt.timedelta(hours=2),
        close_after=dt.timedelta(hours=3),
    )
    with pytest.raises(ValidationFailed, match="closed or withdrawn"):
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=closed, reason="重复")
    assert Complaint.objects.get(pk=duplicate.pk).status == Complaint.Status.REGISTERED


def test_refusals_no_chains(org: Any, agent: Any) -> None:
    a, b = pair(org, agent)
    c = make_complaint(org.haidian, actor=agent)
    services.complaint_merge(actor=agent, duplicate=a, primary=b, reason="重复")
    # into a complaint that was itself merged
    with pytest.raises(ValidationFailed, match="itself merged"):
        services.complaint_merge(actor=agent, duplicate=c, primary=a, reason="重复")
    # a primary cannot itself become a duplicate
    with pytest.raises(Conflict, match="stays the primary"):
        services.complaint_merge(actor=agent, duplicate=b, primary=c, reason="重复")
    # a merged complaint cannot be merged again
    with pytest.raises(Conflict, match="already been merged"):
        services.complaint_merge(actor=agent, duplicate=a, primary=c, reason="重复")
    assert list(selectors.merge_candidates(actor=agent, complaint=c)) == [b]
    assert not selectors.merge_candidates(actor=agent, complaint=b).exists()


def test_refusals_other_complainant_other_institution_suggestion_decided_and_too_old(
    org: Any, agent: Any, make_user: Any
) -> None:
    duplicate, _ = pair(org, agent)
    stranger = make_complaint(
        org.haidian, actor=agent, complainant_phone=OTHER_PHONE, complainant_id_number=OTHER_ID
    )
    with pytest.raises(ValidationFailed, match="same complainant"):
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=stranger, reason="重复")
    old = make_complaint(org.haidian, actor=agent, received_at=timezone.now() - dt.timedelta(days=91))
    with pytest.raises(ValidationFailed, match="90 days"):
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=old, reason="重复")
    suggestion = make_complaint(org.haidian, actor=agent, kind="suggestion")
    with pytest.raises(ValidationFailed, match="suggestions"):
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=suggestion, reason="重复")
    other = build_org()
    account_services.role_assign(actor=None, user=agent, role=Role.SERVICE_AGENT, org_unit=other.head)
    access.clear_cache(agent)
    foreign = make_complaint(other.haidian, actor=agent)
    with pytest.raises(ValidationFailed, match="different institutions"):
        services.complaint_merge(actor=agent, duplicate=duplicate, primary=foreign, reason="重复")
    assert foreign not in selectors.merge_candidates(actor=agent, complaint=duplicate)
    decided, primary = pair(org, agent)
    handler = make_user(Role.SERVICE_AGENT, unit="haidian")
    services.complaint_accept(actor=handler, complaint=decided)
    services.complaint_decide(
        actor=handler, complaint=decided, facts="f", basis="b", reasons="r", remedies="m"
    )
    with pytest.raises(Conflict, match="still in handling"):
        services.complaint_merge(actor=agent, duplicate=decided, primary=primary, reason="重复")
    assert not ComplaintEvent.objects.filter(kind__in=["merged", "duplicate_merged"]).exists()


def test_statistics_and_indicators_count_a_merged_duplicate_once(
    org: Any, agent: Any, make_user: Any
) -> None:
    year = timezone.localdate().year - 1  # a whole past year: every step is in the past and in one period
    base = timezone.make_aware(dt.datetime(year, 6, 10, 9, 0))
    handler = make_user(Role.SERVICE_AGENT, unit="haidian")
    # three complaints: A (closed 10 h after registration), B (A's repeat, merged), C (other person, closed in 60 h)
    a = make_complaint(org.haidian, actor=agent, received_at=base)
    b = make_complaint(org.haidian, actor=agent, received_at=base + dt.timedelta(hours=1))
    c = make_complaint(
        org.haidian,
        actor=agent,
        complainant_phone=OTHER_PHONE,
        complainant_id_number=OTHER_ID,
        received_at=base,
    )
    services.complaint_merge(
        actor=agent, duplicate=b, primary=a, reason="重复", at=base + dt.timedelta(hours=2)
    )
    handled(
        a,
        handler,
        start=base + dt.timedelta(hours=3),
        decide_after=dt.timedelta(hours=5),
        close_after=dt.timedelta(hours=7),
    )
    handled(
        c,
        handler,
        start=base + dt.timedelta(hours=1),
        decide_after=dt.timedelta(hours=50),
        close_after=dt.timedelta(hours=59),
    )
    period = Period.parse(str(year))
    start, end = period.bounds()
    stats = selectors.statistics(actor=agent, start=start, end=end)
    # received 3, of which one merged: 2 complaints; both closed; only A within 48 h
    assert (stats["total"], stats["closed"], stats["within_48h"]) == (2, 2, 1)
    assert dict(stats["by_unit"]) == {"海淀支行": 2}
    units = access.units_under(org.head)
    share = indicators.complaints_handled_within_48h_share(units=units, period=period)
    assert (share.numerator, share.denominator, share.value) == (1, 2, 50.0)
    mean = indicators.complaint_handling_hours_avg(units=units, period=period)
    assert (mean.denominator, mean.value) == (2, 35.0)  # (10 + 60) / 2


def test_page_offers_candidates_and_merges_and_the_api_refuses_with_the_error_shape(
    client: Any, org: Any, agent: Any, login_client: Any
) -> None:
    duplicate, primary = pair(org, agent)
    web = login_client(agent)
    body = web.get(f"/service/complaints/{duplicate.pk}/").content.decode()
    assert 'id="action-merge"' in body and primary.tracking_number in body and PHONE not in body
    url = f"/service/complaints/{duplicate.pk}/merge/"
    assert web.post(url, {"merge-primary": primary.pk, "merge-reason": ""}).status_code == 400
    assert (
        web.post(url, {"merge-primary": duplicate.pk, "merge-reason": "重复"}).status_code == 400
    )  # not offered
    response = web.post(url, {"merge-primary": primary.pk, "merge-reason": "同一客户重复投诉"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=duplicate.pk).merged_into_id == primary.pk
    assert "Merged repeat complaints" in web.get(f"/service/complaints/{primary.pk}/").content.decode()
    # API
    client.logout()
    token = account_services.token_create(actor=agent, name="t", read_only=False)[1]
    other = make_complaint(org.haidian, actor=agent)

    def merge(pk: int, body: dict[str, Any]) -> Any:
        return client.post(
            f"/api/v1/service/complaints/{pk}/merge",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    refused = merge(other.pk, {"primary_id": duplicate.pk, "reason": "重复"})
    assert refused.status_code == 400 and "itself merged" in json.dumps(refused.json())
    assert merge(other.pk, {"primary_id": other.pk, "reason": "重复"}).status_code == 400
    assert merge(other.pk, {"primary_id": 999999, "reason": "重复"}).status_code == 404
    done = merge(other.pk, {"primary_id": primary.pk, "reason": "重复"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "merged" and done.json()["merged_into_id"] == primary.pk
    assert done.json()["sla"]["state"] == clock.MET


def test_not_found_for_a_primary_outside_scope(org: Any, agent: Any, make_user: Any) -> None:
    duplicate = make_complaint(org.haidian, actor=agent)
    hidden = make_complaint(org.shanghai, actor=make_user(Role.SERVICE_AGENT, unit="shanghai"))
    with pytest.raises(NotFound):
        selectors.complaint_get(actor=agent, pk=hidden.pk)
    assert hidden not in selectors.merge_candidates(actor=agent, complaint=duplicate)
