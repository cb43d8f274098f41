"""`finassure demo`: migrate, seed 示例银行 (idempotent), print the URL and demo users, and serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.utils import override_settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform import context, demo
from finassure.platform.language import institution_language
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop("Create or refresh the demo institution and serve it on 127.0.0.1:8000 (SQLite by default).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=_("address to serve on (default: %(default)s)"))
        parser.add_argument("--port", type=int, default=8000, help=_("port to serve on (default: %(default)s)"))
        parser.add_argument("--no-serve", action="store_true", help=_("seed and exit"))

    def handle(self, *args: Any, host: str, port: int, no_serve: bool, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(_("the demo refuses to run with FINASSURE_ENV=production"))
        self.stdout.write(_("migrating the database …"))
        call_command("migrate", interactive=False, verbosity=0)
        # the demo's mails (on the console) link to the demo itself
        base_url = settings.FINASSURE_BASE_URL or f"http://{host}:{port}"
        self.stdout.write(_("seeding %(institution)s …") % {"institution": "示例银行"})
        with context.acting(context.RequestContext(channel="cli")), institution_language(), \
                override_settings(FINASSURE_BASE_URL=base_url):
            ctx = demo.run_all()
        self._print_credentials(ctx, host, port)
        if not no_serve:
            # Demo users may skip 2FA in this process only; production refuses the setting outright.
            settings.DEMO_2FA_EXEMPT = True
            settings.FINASSURE_BASE_URL = base_url
            call_command("serve", host=host, port=port)

    def _print_credentials(self, ctx: dict[str, Any], host: str, port: int) -> None:
        from finassure.accounts.demo import DEMO_PASSWORD
        from finassure.accounts.roles import Role
        from finassure.accounts.selectors import roles_of

        self.stdout.write(self.style.SUCCESS(f"\nfinassure demo: http://{host}:{port}/"))
        self.stdout.write(_("database: %(name)s") % {"name": settings.DATABASES["default"]["NAME"]})
        self.stdout.write(_("password for every demo user: %(password)s  (2FA is waived for demo users)") % {
            "password": DEMO_PASSWORD} + "\n")
        for username, user in ctx.get("users", {}).items():
            roles = ", ".join(sorted(str(Role(code).label) for code in roles_of(user)))
            self.stdout.write(f"  {username:<12} {user.display_name:<6} {roles}")
