"""Writes of organisation and access. Each checks permission, changes state and writes the audit record together."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts.models import ApiToken, BusinessLine, Institution, OrgUnit, RoleAssignment, User
from finassure.accounts.roles import MLPS_ADMIN_ROLES, TIME_BOXED_ROLES, Perm, Role
from finassure.accounts.selectors import clear_cache, require, roles_of
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "fa_"  # noqa: S105 - a prefix, not a secret
BACKUP_CODE_COUNT = 10
MAX_ASSESSOR_DAYS = 366


def _validation(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# --- organisation -------------------------------------------------------------------------------


@transaction.atomic
def institution_create(*, actor: Any, code: str, name: str, name_en: str = "", kind: str = Institution.Kind.BANK,
                       head_office_name: str, head_office_name_en: str = "") -> Institution:
    """Create an institution with its head office (the root of its org tree). Used at set-up."""
    institution = Institution.objects.create(code=code, name=name, name_en=name_en, kind=kind)
    root = OrgUnit(institution=institution, code="head-office", name=head_office_name, name_en=head_office_name_en,
                   kind=OrgUnit.Kind.HEAD_OFFICE)
    _save_with_path(root)
    audit.record(action="institution.create", actor=actor, obj=institution, org_unit_id=root.pk,
                 changes=audit.snapshot(institution))
    return institution


@transaction.atomic
def business_line_create(*, actor: Any, institution: Institution, code: str, kind: str, name: str,
                         name_en: str = "") -> BusinessLine:
    root = institution.org_units.get(parent__isnull=True)
    if actor is not None:
        require(actor, Perm.ORG_MANAGE, root)
    line = BusinessLine.objects.create(institution=institution, code=code, kind=kind, name=name, name_en=name_en)
    audit.record(action="business_line.create", actor=actor, obj=line, org_unit_id=root.pk,
                 changes=audit.snapshot(line))
    return line


def _save_with_path(unit: OrgUnit) -> None:
    unit.save()
    parent_path = unit.parent.path if unit.parent is not None else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = unit.path.count("/") - 2
    unit.save(update_fields=["path", "depth"])


@transaction.atomic
def org_unit_create(*, actor: Any, parent: OrgUnit, code: str, name: str, kind: str, name_en: str = "",
                    business_line: BusinessLine | None = None) -> OrgUnit:
    if actor is not None:
        require(actor, Perm.ORG_MANAGE, parent)
    if OrgUnit.objects.filter(institution=parent.institution, code=code).exists():
        raise _validation("code", _("An org unit with this code already exists."))
    if kind == OrgUnit.Kind.HEAD_OFFICE:
        raise _validation("kind", _("There is only one head office."))
    unit = OrgUnit(institution=parent.institution, parent=parent, code=code, name=name, name_en=name_en, kind=kind,
                   business_line=business_line or parent.business_line)
    _save_with_path(unit)
    audit.record(action="org_unit.create", actor=actor, obj=unit, org_unit_id=unit.pk, changes=audit.snapshot(unit))
    return unit


@transaction.atomic
def org_unit_update(*, actor: Any, unit: OrgUnit, name: str, name_en: str, is_active: bool) -> OrgUnit:
    require(actor, Perm.ORG_MANAGE, unit)
    before = audit.snapshot(unit)
    unit.name, unit.name_en, unit.is_active = name, name_en, is_active
    unit.save(update_fields=["name", "name_en", "is_active", "updated_at"])
    audit.record(action="org_unit.update", actor=actor, obj=unit, changes=audit.diff(before, audit.snapshot(unit)))
    return unit


# --- users --------------------------------------------------------------------------------------


def generate_temporary_password() -> str:
    """A random password meeting the complexity policy; the user must change it at first login."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(14))
        candidate = f"{core}-{secrets.choice('!#%+=?@')}"
        if any(c.islower() for c in core) and any(c.isupper() for c in core) and any(c.isdigit() for c in core):
            return candidate


@transaction.atomic
def user_create(*, actor: Any, username: str, display_name: str, org_unit: OrgUnit, email: str = "",
                password: str | None = None, is_demo: bool = False) -> tuple[User, str | None]:
    """Create a staff account. Without `password`, a temporary one is returned to hand over once."""
    if actor is not None:
        require(actor, Perm.USER_MANAGE, org_unit)
    username = username.strip()
    if not username:
        raise _validation("username", _("A user name is required."))
    if User.objects.filter(username__iexact=username).exists():
        raise _validation("username", _("This user name is taken."))
    temporary = None
    user = User(username=username, display_name=display_name, org_unit=org_unit, email=email, is_demo=is_demo)
    if password is None:
        temporary = generate_temporary_password()
        user.must_change_password = True
    _set_password(user, password or temporary or "")
    user.save()
    audit.record(action="user.create", actor=actor, obj=user, changes=audit.snapshot(user))
    return user, temporary


def _set_password(user: User, password: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(_("The password does not meet the policy."),
                               fields={"password": list(exc.messages)}) from None
    user.set_password(password)


@transaction.atomic
def user_update(*, actor: Any, user: User, display_name: str, email: str, org_unit: OrgUnit) -> User:
    require(actor, Perm.USER_MANAGE, user.org_unit)
    require(actor, Perm.USER_MANAGE, org_unit)
    before = audit.snapshot(user)
    user.display_name, user.email, user.org_unit = display_name, email, org_unit
    user.save(update_fields=["display_name", "email", "org_unit"])
    audit.record(action="user.update", actor=actor, obj=user, changes=audit.diff(before, audit.snapshot(user)))
    return user


@transaction.atomic
def user_set_language(*, actor: User, language: str) -> User:
    """The signed-in user's own language: of their pages after sign-in, their notifications and e-mails.

    Blank follows the institution's (``LANGUAGE_CODE``). Only the user chooses it; it is audited like any
    change to an account.
    """
    if language not in ("", *dict(settings.LANGUAGES)):
        raise _validation("language", _("Choose one of the offered languages."))
    if actor.language == language:
        return actor
    before = audit.snapshot(actor)
    actor.language = language
    actor.save(update_fields=["language"])
    audit.record(action="user.language", actor=actor, obj=actor, changes=audit.diff(before, audit.snapshot(actor)))
    return actor


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    require(actor, Perm.USER_MANAGE, user.org_unit)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(action="user.activate" if active else "user.deactivate", actor=actor, obj=user)
    return user


@transaction.atomic
def user_reset_password(*, actor: Any, user: User) -> str:
    """Administrator reset: returns a temporary password, forces a change at next login."""
    require(actor, Perm.USER_MANAGE, user.org_unit)
    if user.pk == actor.pk:
        raise PermissionDenied(_("Change your own password from your account page."))
    temporary = generate_temporary_password()
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(action="user.password_reset", actor=actor, obj=user)
    return temporary


@transaction.atomic
def password_change(*, actor: User, old_password: str, new_password: str) -> None:
    if not actor.check_password(old_password):
        raise _validation("old_password", _("The current password is wrong."))
    if old_password == new_password:
        raise _validation("new_password", _("The new password must differ from the current one."))
    _set_password(actor, new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit.record(action="user.password_change", actor=actor, obj=actor)


# --- roles --------------------------------------------------------------------------------------


@transaction.atomic
def role_assign(*, actor: Any, user: User, role: str, org_unit: OrgUnit, include_descendants: bool = True,
                valid_until: dt.datetime | None = None) -> RoleAssignment:
    if actor is not None:
        require(actor, Perm.ROLE_ASSIGN, org_unit)
        if user.pk == actor.pk:
            raise PermissionDenied(_("You cannot change your own roles."))
    if role not in Role.values:
        raise _validation("role", _("Unknown role."))
    held = roles_of(user)
    clashing = (held & MLPS_ADMIN_ROLES) - {role}
    if role in MLPS_ADMIN_ROLES and clashing:
        raise Conflict(_("System, security and audit administrator roles must be held by different people."))
    if role in TIME_BOXED_ROLES:
        if valid_until is None:
            raise _validation("valid_until", _("This role needs an end date."))
        if valid_until > timezone.now() + dt.timedelta(days=MAX_ASSESSOR_DAYS):
            raise _validation("valid_until", _("This role can be granted for at most a year."))
    if valid_until is not None and valid_until <= timezone.now():
        raise _validation("valid_until", _("The end date must be in the future."))
    if RoleAssignment.objects.filter(user=user, role=role, org_unit=org_unit).exists():
        raise Conflict(_("The user already holds this role here."))
    assignment = RoleAssignment.objects.create(user=user, role=role, org_unit=org_unit,
                                               include_descendants=include_descendants, valid_until=valid_until,
                                               granted_by=actor if getattr(actor, "pk", None) else None)
    clear_cache(user)
    audit.record(action="role.assign", actor=actor, obj=assignment, org_unit_id=org_unit.pk,
                 changes=audit.snapshot(assignment))
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    require(actor, Perm.ROLE_ASSIGN, assignment.org_unit)
    if assignment.user_id == actor.pk:
        raise PermissionDenied(_("You cannot change your own roles."))
    audit.record(action="role.revoke", actor=actor, obj=assignment, org_unit_id=assignment.org_unit_id,
                 changes=audit.snapshot(assignment))
    assignment.delete()
    clear_cache(assignment.user)


# --- second factor ------------------------------------------------------------------------------


@transaction.atomic
def totp_begin(*, user: User) -> TOTPDevice:
    """Start enrolment: an unconfirmed TOTP device whose secret the user scans."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="default", confirmed=False)


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm enrolment with a first code; returns new static backup codes (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise _validation("token", _("This enrolment is no longer valid; start again."))
    if not device.verify_token(token.strip()):
        audit.record(action="auth.2fa_enrol_failed", actor=user, obj=user, outcome="failure")
        raise _validation("token", _("The code is wrong or expired."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    audit.record(action="auth.2fa_enrolled", actor=user, obj=user)
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def backup_codes_regenerate(*, actor: User) -> list[str]:
    codes = _new_backup_codes(actor)
    audit.record(action="auth.backup_codes_regenerated", actor=actor, obj=actor)
    return codes


@transaction.atomic
def security_reset_2fa(*, actor: Any, user: User) -> None:
    """Security administrator: remove a user's second factors so they enrol again at next login."""
    require(actor, Perm.SECURITY_MANAGE, user.org_unit)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(action="auth.2fa_reset", actor=actor, obj=user)


@transaction.atomic
def security_unlock(*, actor: Any, user: User) -> None:
    from axes.utils import reset

    require(actor, Perm.SECURITY_MANAGE, user.org_unit)
    reset(username=user.get_username())
    audit.record(action="auth.unlock", actor=actor, obj=user)


# --- API tokens ---------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, actor: User, name: str, days: int | None = None, read_only: bool = True) -> tuple[ApiToken, str]:
    """Create a personal token; the raw value is returned once and only its digest is kept."""
    name = name.strip()
    if not name:
        raise _validation("name", _("Give the token a name."))
    days = days or settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= 366:
        raise _validation("days", _("A token lives between 1 and 366 days."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=raw[:10], digest=token_digest(raw),
                                    read_only=read_only, expires_at=timezone.now() + dt.timedelta(days=days))
    audit.record(action="token.create", actor=actor, obj=token,
                 changes={"name": name, "read_only": read_only, "expires_at": token.expires_at})
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(action="token.revoke", actor=actor, obj=token)


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token for a raw bearer value, or None (and an audit record) if it is unknown or dead.

    An active token is cached in this process for a few seconds with its user and role grants
    (`authcache`: expiry still exact, a change made in this process seen at once, in another within the bound).
    """
    from finassure.accounts import authcache

    digest = token_digest(raw)
    token = authcache.lookup(digest)
    if token is None:
        generation = authcache.generation()
        token = ApiToken.objects.select_related("user").filter(digest=digest).first()
        if token is None or not token.is_active or not token.user.is_active:
            reason = "unknown" if token is None else ("revoked" if token.revoked_at else "expired_or_inactive")
            audit.record(action="auth.token_rejected", actor=token.user if token else None, outcome="denied",
                         object_type="accounts.apitoken", object_id=str(token.pk) if token else "",
                         detail={"reason": reason, "prefix": raw[:10]})
            return None
        _touch(token)
        authcache.remember(digest, token, generation_seen=generation)
    elif _touch(token):
        authcache.touched(digest, token.last_used_at)  # type: ignore[arg-type]
    return token


def _touch(token: ApiToken) -> bool:
    """Record the use (at most once a minute per token and process); True when it was written."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        return True
    return False
