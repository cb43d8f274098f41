"""Pages of organisation and access: sign-in with a second factor, own account, users, roles, org tree."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts import selectors, services
from finassure.accounts.forms import (
    LoginForm,
    OrgUnitCreateForm,
    OtpConfirmForm,
    PasswordChangeForm,
    RoleAssignForm,
    TokenForm,
    UserCreateForm,
)
from finassure.accounts.roles import Perm
from finassure.platform import audit
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import apply_error, paginate, staff_view


def lockout_response(request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any,
                     **kwargs: Any) -> HttpResponse:
    """What django-axes shows a locked-out account (called by axes)."""
    username = (credentials or {}).get("username", "")
    audit.record(action="auth.locked_out", outcome="denied", actor_repr=str(username)[:150],
                 detail={"username": str(username)[:150]})
    return render(request, "accounts/locked.html", status=429)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _signed_in(request: HttpRequest, user: Any) -> HttpResponse:
    """Off to the page asked for; a user's saved language becomes the browser's too, so the sign-in page
    after signing out speaks it as well."""
    response = redirect(_next_url(request))
    if user.language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=settings.LANGUAGE_COOKIE_AGE,
                            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request, {"username": username})
        if user is None:
            form.add_error(None, _("The user name or password is wrong."))
        elif user_has_device(user):
            device = match_token(user, form.cleaned_data["otp_token"].strip())
            if device is None:
                # A wrong second factor counts toward the lockout, like a wrong password.
                user_login_failed.send(sender=__name__, credentials={"username": username, "stage": "otp"},
                                       request=request)
                if getattr(request, "axes_locked_out", False):
                    return lockout_response(request, {"username": username})
                form.add_error("otp_token", _("The verification code is wrong, expired or already used."))
            else:
                login(request, user)
                otp_login(request, device)
                return _signed_in(request, user)
        else:
            login(request, user)
            return _signed_in(request, user)
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie, redirect), and for a signed-in user their saved choice as well."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(actor=request.user, language=language)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


def otp_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: enrol an authenticator app. A user who already has one must sign in with it instead."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    if user.is_verified():  # type: ignore[attr-defined,union-attr]
        return redirect("platform:home")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        logout(request)
        return redirect("accounts:login")
    form = OtpConfirmForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = services.totp_confirm(user=user, device=device, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            otp_login(request, device)
            return render(request, "accounts/backup_codes.html", {"codes": codes})
    if device is None:
        device = services.totp_begin(user=user)  # type: ignore[arg-type]
    return render(request, "accounts/otp_setup.html", {"form": form, "device": device,
                                                        "qr_svg": _qr_svg(device.config_url),
                                                        "secret": _b32(device)})


def _qr_svg(data: str) -> str:
    import segno

    return segno.make(data, error="m").svg_inline(scale=4, dark="#1d273b")


def _b32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def password_change(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(actor=request.user, old_password=form.cleaned_data["old_password"],  # type: ignore[arg-type]
                                     new_password=form.cleaned_data["new_password"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            return redirect("platform:home")
    return render(request, "accounts/password_change.html", {"form": form})


@staff_view(Perm.DASHBOARD_VIEW)
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _, created = services.token_create(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            form = TokenForm()
    return render(request, "accounts/tokens.html",
                  {"form": form, "created": created, "tokens": selectors.token_list(actor=request.user)})


@require_POST
@staff_view(Perm.DASHBOARD_VIEW)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.token_revoke(actor=request.user, token=selectors.token_get(actor=request.user, pk=pk))  # type: ignore[arg-type]
    return redirect("accounts:tokens")


@staff_view(Perm.USER_VIEW)
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.user_list(actor=request.user, search=request.GET.get("q", "").strip(),
                                role=request.GET.get("role", ""))
    return render(request, "accounts/user_list.html", {
        "page": paginate(request, users), "q": request.GET.get("q", ""),
        "can_create": selectors.has_perm(request.user, Perm.USER_MANAGE),
    })


@staff_view(Perm.USER_MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    units = selectors.org_unit_list(actor=request.user, perm=Perm.USER_MANAGE)
    form = UserCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            user, temporary = services.user_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return render(request, "accounts/temporary_password.html", {"subject": user, "password": temporary})
    return render(request, "accounts/user_form.html", {"form": form})


@staff_view(Perm.USER_VIEW)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.user_get(actor=request.user, pk=pk)
    role_units = selectors.org_unit_list(actor=request.user, perm=Perm.ROLE_ASSIGN)
    return render(request, "accounts/user_detail.html", {
        "subject": subject,
        "assignments": selectors.role_assignments_of(actor=request.user, user=subject),
        "role_form": RoleAssignForm(units=role_units),
        "can_manage": selectors.has_perm(request.user, Perm.USER_MANAGE, subject.org_unit),
        "can_assign": selectors.has_perm(request.user, Perm.ROLE_ASSIGN),
        "can_secure": selectors.has_perm(request.user, Perm.SECURITY_MANAGE, subject.org_unit),
        "has_2fa": user_has_device(subject),
    })


@require_POST
@staff_view(Perm.USER_MANAGE)
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    subject = selectors.user_get(actor=request.user, pk=pk)
    if action == "reset-password":
        temporary = services.user_reset_password(actor=request.user, user=subject)
        return render(request, "accounts/temporary_password.html", {"subject": subject, "password": temporary})
    if action in {"deactivate", "activate"}:
        services.user_set_active(actor=request.user, user=subject, active=action == "activate")
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@staff_view(Perm.SECURITY_MANAGE)
def user_security(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    subject = selectors.user_get(actor=request.user, pk=pk)
    if action == "reset-2fa":
        services.security_reset_2fa(actor=request.user, user=subject)
    elif action == "unlock":
        services.security_unlock(actor=request.user, user=subject)
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@staff_view(Perm.ROLE_ASSIGN)
def role_assign(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.user_get(actor=request.user, pk=pk)
    units = selectors.org_unit_list(actor=request.user, perm=Perm.ROLE_ASSIGN)
    form = RoleAssignForm(request.POST, units=units)
    if form.is_valid():
        try:
            services.role_assign(actor=request.user, user=subject, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("accounts:user_detail", pk=pk)
    return render(request, "accounts/user_detail.html", {
        "subject": subject, "assignments": selectors.role_assignments_of(actor=request.user, user=subject),
        "role_form": form, "can_assign": True,
    }, status=400)


@require_POST
@staff_view(Perm.ROLE_ASSIGN)
def role_revoke(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    subject = selectors.user_get(actor=request.user, pk=pk)
    assignment = selectors.role_assignments_of(actor=request.user, user=subject).filter(pk=assignment_pk).first()
    if assignment is not None:
        services.role_revoke(actor=request.user, assignment=assignment)
    return redirect("accounts:user_detail", pk=pk)


@staff_view(Perm.ORG_VIEW)
def org_tree(request: HttpRequest) -> HttpResponse:
    units = selectors.org_unit_list(actor=request.user)
    manage_units = selectors.org_unit_list(actor=request.user, perm=Perm.ORG_MANAGE)
    form = OrgUnitCreateForm(request.POST or None, units=manage_units)
    if request.method == "POST":
        if not selectors.has_perm(request.user, Perm.ORG_MANAGE):
            selectors.require(request.user, Perm.ORG_MANAGE)
        if form.is_valid():
            try:
                services.org_unit_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                return redirect("accounts:org_tree")
    return render(request, "accounts/org_tree.html", {
        "units": units, "form": form, "can_manage": manage_units.exists(),
    })
