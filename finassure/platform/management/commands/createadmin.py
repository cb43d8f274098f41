"""`finassure createadmin`: bootstrap an institution and an administrator on a new installation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.accounts import services
from finassure.accounts.models import Institution
from finassure.accounts.roles import MLPS_ADMIN_ROLES, Role
from finassure.platform import context
from finassure.platform.errors import ApplicationError
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop(
        "Create an administrator (system, security or audit) at the head office. On an empty database, also create "
        "the institution. Prints a temporary password; the administrator enrols 2FA and changes it at first sign-in."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True, help=_("the administrator's user name"))
        parser.add_argument("--name", required=True, help=_("full name"))
        parser.add_argument("--role", default=Role.SYSTEM_ADMIN.value, choices=sorted(r.value for r in MLPS_ADMIN_ROLES),
                            help=_("the administrator's role (default: %(default)s)"))
        parser.add_argument("--institution-code", default="institution",
                            help=_("the institution's code (default: %(default)s)"))
        parser.add_argument("--institution-name", default="", help=_("Chinese name, needed on an empty database"))
        parser.add_argument("--institution-name-en", default="", help=_("English name"))

    @transaction.atomic
    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting(context.RequestContext(channel="cli")):
            institution = Institution.objects.filter(code=opts["institution_code"]).first()
            if institution is None:
                if not opts["institution_name"]:
                    raise CommandError(_("no institution yet: pass --institution-name (and --institution-code)"))
                institution = services.institution_create(
                    actor=None, code=opts["institution_code"], name=opts["institution_name"],
                    name_en=opts["institution_name_en"], head_office_name=f"{opts['institution_name']}总部",
                    head_office_name_en="Head office",
                )
            root = institution.org_units.get(parent__isnull=True)
            try:
                user, temporary = services.user_create(actor=None, username=opts["username"],
                                                       display_name=opts["name"], org_unit=root)
                services.role_assign(actor=None, user=user, role=opts["role"], org_unit=root)
            except ApplicationError as exc:
                raise CommandError(f"{exc.message} {exc.fields or ''}".strip()) from None
        self.stdout.write(_("created %(role)s %(username)s; temporary password: %(password)s") % {
            "role": opts["role"], "username": user.username, "password": temporary})
