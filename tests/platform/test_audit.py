"""The audit trail: hash chain, append-only triggers, verification after tampering, retention-bound purge."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from finassure.platform import audit
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import AuditEvent
from tests.support import audit_triggers

pytestmark = pytest.mark.django_db(transaction=True)


def _records(n: int) -> list[AuditEvent]:
    return [audit.record(action="test.event", object_type="test", object_id=str(i), object_repr=f"记录 {i}")
            for i in range(n)]


def _raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_record_carries_the_hash_of_the_one_before() -> None:
    first, second, third = _records(3)
    assert first.prev_hash == "" and second.prev_hash == first.hash and third.prev_hash == second.hash
    assert audit.verify().ok and audit.verify().checked == 3


def test_audit_verify_passes_on_an_untouched_trail(capsys: Any) -> None:
    _records(5)
    call_command("audit", "verify")
    assert "audit chain intact: 5 records verified" in capsys.readouterr().out


def test_updates_and_recent_deletes_are_refused_by_the_database() -> None:
    event = _records(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE platform_auditevent SET action = %s WHERE id = %s", ["tampered", event.id])
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("DELETE FROM platform_auditevent WHERE id = %s", [event.id])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_verify_names_a_record_altered_by_hand_in_sql() -> None:
    events = _records(5)
    audit_triggers(enabled=False)  # a privileged hand in the database
    _raw("UPDATE platform_auditevent SET object_repr = %s WHERE id = %s", ["改过的", events[2].id])
    audit_triggers(enabled=True)
    with pytest.raises(CommandError, match=f"broken at record {events[2].id}: record content"):
        call_command("audit", "verify")


def test_verify_names_the_gap_left_by_a_deleted_record() -> None:
    events = _records(5)
    audit_triggers(enabled=False)
    _raw("DELETE FROM platform_auditevent WHERE id = %s", [events[1].id])
    audit_triggers(enabled=True)
    result = audit.verify()
    assert not result.ok and result.broken_id == events[2].id and result.reason == audit.REASON_LINK


def test_verify_catches_an_inserted_record() -> None:
    events = _records(3)
    forged = AuditEvent(ts=timezone.now(), action="forged", prev_hash=events[2].hash, hash="0" * 64)
    forged.save(force_insert=True)
    result = audit.verify()
    assert not result.ok and result.broken_id == forged.id


def test_verify_catches_a_rehashed_record_whose_successor_no_longer_links() -> None:
    events = _records(4)
    audit_triggers(enabled=False)
    target = AuditEvent.objects.get(pk=events[1].pk)
    target.object_repr = "伪造"
    new_hash = audit.compute_hash(target)
    _raw("UPDATE platform_auditevent SET object_repr = %s, hash = %s WHERE id = %s", ["伪造", new_hash, target.id])
    audit_triggers(enabled=True)
    result = audit.verify()
    assert not result.ok and result.broken_id == events[2].id


def test_records_younger_than_184_days_cannot_be_purged() -> None:
    _records(2)
    with pytest.raises(ValidationFailed):
        audit.purge(actor=None, before=timezone.now() - dt.timedelta(days=100))
    with pytest.raises(CommandError, match="184 days"):
        call_command("audit", "purge", "--before", (dt.date.today() - dt.timedelta(days=30)).isoformat())
    assert AuditEvent.objects.count() == 2


def test_purging_old_records_keeps_the_rest_of_the_chain_verifiable() -> None:
    events = _records(6)
    old = timezone.now() - dt.timedelta(days=400)
    audit_triggers(enabled=False)
    for event in events[:3]:  # back-date the first three (and re-hash, as if written then)
        event.ts = old
        event.hash = audit.compute_hash(event)
    for i, event in enumerate(events):
        if i:
            event.prev_hash = events[i - 1].hash
            event.hash = audit.compute_hash(event)
        _raw("UPDATE platform_auditevent SET ts = %s, prev_hash = %s, hash = %s WHERE id = %s",
             [event.ts, event.prev_hash, event.hash, event.id])
    audit_triggers(enabled=True)
    assert audit.verify().ok
    purged = audit.purge(actor=None, before=timezone.now() - dt.timedelta(days=200))
    assert purged == 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in events[:3]]).exists()
    result = audit.verify()
    assert result.ok, result
    assert AuditEvent.objects.filter(action="audit.purged", detail__through_id=events[2].id).exists()


def test_changes_never_hold_c3_values() -> None:
    from django.db import models

    class Card(models.Model):
        from finassure.platform.fields import EncryptedTextField

        cvn = EncryptedTextField(pii_class="C3", mask="generic")

        class Meta:
            app_label = "platform"
            managed = False

        def __str__(self) -> str:
            return "card"

    card = Card(cvn="123")
    assert audit.snapshot(card)["cvn"] == audit.REDACTED
