"""Bad input on every form page: out-of-range numbers, huge ids, long text, NUL, impossible dates never get a 500.

The persona matrix knows every POST page, a role that may use it and a valid submission (`Route.data`). Each
field of that submission in turn gets each bad value while the rest stays valid, so validation past the first
field runs too; then every field name any form of the project declares gets the bad value at once, so fields a
valid submission leaves out (multiple choices, optional numbers) are tried as well. The page may refuse (200
with errors, 302, 400, 403, 404): it must never fail.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms

import finassure
from finassure.accounts.roles import Role
from tests.matrix import INSIDE, Route, collect_routes
from tests.support import verified_login
from tests.test_persona_matrix import _build, _setup

ROUTES = [r for r in collect_routes() if r.method == "POST" and not r.api]
BAD = ["9" * 40, str(2**63), "-1", "²", "x" * 20000, "", "1e309", "NaN", "2026-02-30", "2026-13-01T25:61", "9999-12-31",
       "0001-01-01T00:00", "a\x00b"]


def _form_field_names() -> set[str]:
    """Every field name declared by a form class of the project."""
    for module in pkgutil.walk_packages(finassure.__path__, "finassure."):
        if module.name.endswith(".forms") or ".forms." in module.name:
            importlib.import_module(module.name)
    names: set[str] = set()
    todo = list(forms.BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("finassure."):
            names |= set(getattr(cls, "base_fields", {}))
    return names


def _allowed_role(route: Route) -> str:
    return next(role for role in Role.values if route.expect(role, INSIDE) not in (403, 404))


def test_the_sweep_covers_form_pages_and_their_fields() -> None:
    assert len(ROUTES) >= 50
    names = _form_field_names()
    assert {"attendees", "processes", "risks", "amount"} <= names, sorted(names)[:20]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_no_form_page_fails_on_bad_input(client: Any, org: Any, route: Route) -> None:
    ctx = _build(route, _setup(org, _allowed_role(route), INSIDE))
    verified_login(client, ctx.persona)
    valid = route.data(ctx)
    others = sorted(_form_field_names() - set(valid))
    failures = []
    for value in BAD:
        submissions = [(key, {**valid, key: value}) for key in valid]
        submissions.append(("every other field", {**valid, **dict.fromkeys(others, value)}))
        for where, data in submissions:
            response = client.post(route.path(ctx), data=data)
            if response.status_code >= 500:
                failures.append((where, value[:12], response.status_code))
    assert failures == []


def _project_form_fields() -> list[tuple[str, str, forms.Field]]:
    _form_field_names()  # imports every forms module
    found = []
    todo = list(forms.BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("finassure."):
            found += [(cls.__qualname__, name, field) for name, field in getattr(cls, "base_fields", {}).items()]
    return found


def test_every_multiple_choice_of_records_refuses_ids_beyond_the_database() -> None:
    # Django's own field sends such an id to the database (a 500 on SQLite); the platform's refuses it.
    from finassure.platform.forms import ModelMultipleChoiceField

    plain = [f"{form}.{name}" for form, name, field in _project_form_fields()
             if isinstance(field, forms.ModelMultipleChoiceField) and not isinstance(field, ModelMultipleChoiceField)]
    assert plain == []
    assert any(isinstance(field, ModelMultipleChoiceField) for _, _, field in _project_form_fields())


@pytest.mark.django_db
def test_the_multiple_choice_field_names_the_bad_id(org: Any) -> None:
    from django.core.exceptions import ValidationError

    from finassure.accounts.models import User
    from finassure.platform.forms import ModelMultipleChoiceField

    user = User.objects.create(username="someone")
    field = ModelMultipleChoiceField(User.objects.all())
    assert list(field.clean([str(user.pk)])) == [user]
    for bad in ("9" * 40, str(2**63), "0"):
        with pytest.raises(ValidationError) as refused:
            field.clean([str(user.pk), bad])
        assert refused.value.code == "invalid_pk_value"


GET_ROUTES = [r for r in collect_routes() if r.method == "GET" and not r.api]
QUERY_BAD = ["9" * 40, str(2**63), "-1", "²", "x" * 3000, "1e309", "NaN", "2026-02-30", "9999-12-31", "0001-01-01",
             "a\x00b", "[]"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", GET_ROUTES, ids=[r.name for r in GET_ROUTES])
def test_no_page_fails_on_bad_query_parameters(client: Any, org: Any, route: Route) -> None:
    """Filters, pagination and sorting take what the address bar holds: every form field name and the list
    parameters, each bad value at once."""
    role = next((role for role in Role.values if route.expect(role, INSIDE) not in (403, 404)), None)
    if role is None:  # nobody may open it inside its unit: the persona matrix covers the refusals
        return
    ctx = _build(route, _setup(org, role, INSIDE))
    verified_login(client, ctx.persona)
    names = sorted(_form_field_names() | {"page", "page_size", "sort", "order", "q", "period", "tab", "lang"})
    path = route.path(ctx)
    failures = []
    for value in QUERY_BAD:
        response = client.get(path, data=dict.fromkeys(names, value))
        if response.status_code >= 500:
            failures.append((value[:12], response.status_code))
    assert failures == []


def _bad_files() -> list[tuple[str, bytes]]:
    import io
    import zipfile

    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook")  # a zip that claims to be a workbook, cut short
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><NessusClientData_v2>&c;</NessusClientData_v2>')
    return [
        ("empty.csv", b""),
        ("noise.xlsx", bytes(range(256)) * 20),
        ("cut.xlsx", not_a_workbook.getvalue()),
        ("gbk.csv", "姓名,部门,岗位\n张三,零售,柜员\n".encode("gbk") + b"\xff\xfe\x00"),
        ("header-only.csv", b"\xef\xbb\xbf" + b",,,\n"),
        ("laughs.nessus", laughs),
        ("fake.pdf", b"%PDF-" + bytes(range(256))),
        ("a\x00b.png", b"\x89PNG\r\n\x1a\n"),
    ]


FILE_FIELDS = ("file", "material_file", "evidence", "attachments")
# import pages answer GET with the form and POST with the import; the matrix lists them by their GET
UPLOAD_ROUTES = ROUTES + [r for r in collect_routes() if r.method == "GET" and not r.api and r.name.endswith("_import")]


@pytest.mark.django_db
@pytest.mark.parametrize("route", UPLOAD_ROUTES, ids=[r.name for r in UPLOAD_ROUTES])
def test_no_form_page_fails_on_bad_files(client: Any, org: Any, route: Route) -> None:
    """Every file field (HR exports, registers, scanner reports, evidence, attachments) gets broken, empty,
    mislabelled and hostile files: refused or imported, never a 500."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    ctx = _build(route, _setup(org, _allowed_role(route), INSIDE))
    verified_login(client, ctx.persona)
    # what an import form asks beside the file, so that the file itself is read
    valid = {"org_unit": str(ctx.persona.org_unit_id), "scope": "10.1.0.0/16", **route.data(ctx)}
    failures = []
    for name, content in _bad_files():
        files = {field: SimpleUploadedFile(name, content) for field in FILE_FIELDS}
        response = client.post(route.path(ctx), data={**valid, **files})
        if response.status_code >= 500:
            failures.append((name, response.status_code))
    assert failures == []
