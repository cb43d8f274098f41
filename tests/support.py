"""Test support: an institution with two branches, users per role, signed-in clients, trigger switches."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts import services
from finassure.accounts.models import Institution, OrgUnit
from finassure.accounts.roles import Role

PASSWORD = "Correct-Horse-9"
_seq = itertools.count()


@dataclass
class Org:
    institution: Institution
    head: OrgUnit
    beijing: OrgUnit
    haidian: OrgUnit
    shanghai: OrgUnit

    def unit(self, name: str) -> OrgUnit:
        return getattr(self, name)


def build_org() -> Org:
    institution = services.institution_create(actor=None, code=f"bank{next(_seq)}", name="测试银行",
                                              name_en="Test Bank", head_office_name="总行",
                                              head_office_name_en="Head office")
    head = institution.org_units.get(parent__isnull=True)
    beijing = services.org_unit_create(actor=None, parent=head, code=f"bj{next(_seq)}", name="北京分行",
                                       name_en="Beijing", kind=OrgUnit.Kind.BRANCH)
    haidian = services.org_unit_create(actor=None, parent=beijing, code=f"hd{next(_seq)}", name="海淀支行",
                                       name_en="Haidian", kind=OrgUnit.Kind.SUB_BRANCH)
    shanghai = services.org_unit_create(actor=None, parent=head, code=f"sh{next(_seq)}", name="上海分行",
                                        name_en="Shanghai", kind=OrgUnit.Kind.BRANCH)
    return Org(institution, head, beijing, haidian, shanghai)


def create_user(org: Org, *, role: str | None, unit: str = "beijing", username: str | None = None,
                **kwargs: Any) -> Any:
    import datetime as dt

    from django.utils import timezone

    home = org.unit(unit)
    kwargs.setdefault("display_name", "张三")
    user, _ = services.user_create(actor=None, username=username or f"u{next(_seq)}", org_unit=home,
                                   password=PASSWORD, **kwargs)
    if role:
        until = timezone.now() + dt.timedelta(days=30) if role == Role.EXTERNAL_ASSESSOR else None
        services.role_assign(actor=None, user=user, role=role, org_unit=home, valid_until=until)
    return user


def verified_login(client: Any, user: Any) -> None:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def audit_triggers(*, enabled: bool) -> None:
    from importlib import import_module

    migration = import_module("finassure.platform.migrations.0002_audit_append_only")
    with connection.schema_editor() as editor:
        if connection.vendor == "postgresql":
            state = "ENABLE" if enabled else "DISABLE"
            editor.execute(f"ALTER TABLE platform_auditevent {state} TRIGGER USER")
        else:
            migration.backward(None, editor)
            if enabled:
                migration.forward(None, editor)
