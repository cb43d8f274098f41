"""Excel import of every register (the layouts of `governance.registers`): a row whose key exists updates that
record, any other row creates one, through the same services as the pages (so permissions, checks and audit
apply row by row). Any row error refuses the whole file, naming line, column and reason; nothing is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit, User
from finassure.governance import registers as r
from finassure.governance.models import (
    Control,
    KeyRiskIndicator,
    KriValue,
    Policy,
    PolicyVersion,
    Position,
    Process,
    Product,
    Risk,
)
from finassure.governance.permissions import MANAGE_POLICY, MANAGE_PRODUCT, MANAGE_RISK
from finassure.platform.errors import ApplicationError, PermissionDenied


class _Row:
    """Lookups for one import, bounded to the importer's institutions; each miss is a row error."""

    def __init__(self, actor: Any, perm: str, register: r.Register, errors: r.RowErrors) -> None:
        self.actor, self.perm, self.errors = actor, perm, errors
        self.columns = [str(c) for c in register.columns]
        self.institutions = set(OrgUnit.objects.filter(access.scope_for(actor, perm).q(""))
                                .values_list("institution_id", flat=True))
        self.line = 0
        self._units: dict[str, tuple[OrgUnit | None, bool]] = {}
        self._found: dict[tuple[str, str], Any] = {}

    def _memo(self, kind: str, key: str, load: Callable[[], Any]) -> Any:
        """One lookup per distinct key and kind in a file (registers repeat the same units and owners)."""
        if (kind, key) not in self._found:
            self._found[(kind, key)] = load()
        return self._found[(kind, key)]

    def fail(self, column: int, reason: str) -> None:
        self.errors.add(self.line, self.columns[column], reason)

    def unit(self, column: int, code: Any) -> OrgUnit | None:
        if r.text(code) not in self._units:
            found = OrgUnit.objects.filter(institution_id__in=self.institutions, code=r.text(code)).first()
            self._units[r.text(code)] = (found, found is not None and access.has_perm(self.actor, self.perm, found))
        unit, allowed = self._units[r.text(code)]
        if unit is None:
            self.fail(column, _("unknown org unit “%(code)s”") % {"code": r.text(code)})
        elif not allowed:
            self.fail(column, _("you may not manage records of “%(unit)s”") % {"unit": unit})
            return None
        return unit

    def user(self, column: int, username: Any) -> User | None:
        user = self._memo("user", r.text(username), lambda: User.objects.filter(
            org_unit__institution_id__in=self.institutions, username=r.text(username), is_active=True).first())
        if user is None:
            self.fail(column, _("unknown member of staff “%(name)s”") % {"name": r.text(username)})
        return user

    def choice(self, column: int, value: Any, choices: list[str]) -> str:
        value = r.text(value)
        if value not in choices:
            self.fail(column, _("“%(value)s” is not one of %(choices)s") % {"value": value,
                                                                         "choices": ", ".join(choices)})
        return value

    def required(self, column: int, value: Any) -> str:
        value = r.text(value)
        if not value:
            self.fail(column, _("this column must not be empty"))
        return value

    def integer(self, column: int, value: Any) -> int:
        try:
            return int(str(value).strip())
        except (TypeError, ValueError):
            self.fail(column, _("“%(value)s” is not a whole number") % {"value": r.text(value)})
            return 0

    def date(self, column: int, value: Any) -> dt.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(column, _("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": r.text(value)})
            return None

    def many(self, column: int, cell: Any, find: Callable[[str], Any]) -> list[Any]:
        found = []
        for key in r.split(cell):
            item = find(key)
            if item is None:
                self.fail(column, _("unknown “%(key)s”") % {"key": key})
            else:
                found.append(item)
        return found

    def process(self, key: str) -> Process | None:
        def load() -> Any:
            line, _sep, code = key.partition("/")
            return Process.objects.filter(business_line__institution_id__in=self.institutions, business_line__code=line,
                                          code=code).first()

        return self._memo("process", key, load)

    def position(self, key: str) -> Position | None:
        def load() -> Any:
            unit, _sep, code = key.partition("/")
            return Position.objects.filter(org_unit__institution_id__in=self.institutions, org_unit__code=unit,
                                           code=code).first()

        return self._memo("position", key, load)

    def control(self, key: str) -> Control | None:
        def load() -> Any:
            unit, _sep, code = key.partition("/")
            return Control.objects.filter(org_unit__institution_id__in=self.institutions, org_unit__code=unit,
                                          code=code).first()

        return self._memo("control", key, load)

    def policy(self, code: str) -> Policy | None:
        def load() -> Any:
            return Policy.objects.filter(org_unit__institution_id__in=self.institutions, code=code).first()

        return self._memo("policy", code, load)

    def risk(self, key: str) -> Risk | None:
        if not key.isdigit():
            return None
        return (Risk.objects.filter(org_unit__institution_id__in=self.institutions, pk=int(key))
                .select_related("owner", "org_unit").prefetch_related("controls", "policies").first())

    def call(self, service: Callable[..., Any], /, **kwargs: Any) -> bool:
        """Run a service for this row; its refusal becomes the row's error (its savepoint rolls back)."""
        return self.call_mapped({}, service, **kwargs)

    def call_mapped(self, names: dict[str, int], service: Callable[..., Any], /, **kwargs: Any) -> bool:
        """`call`, with `names` mapping a service field to the column it came from, so the report names the
        column."""
        try:
            service(actor=self.actor, **kwargs)
        except PermissionDenied as exc:
            self.errors.add(self.line, "—", str(exc.message))
        except ApplicationError as exc:
            if not exc.fields:
                self.errors.add(self.line, "—", str(exc.message))
            for name, messages in exc.fields.items():
                column = names.get(name)
                for message in messages:
                    self.errors.add(self.line, self.columns[column] if column is not None else name, str(message))
        else:
            return True
        return False


def _import(actor: Any, perm: str, register: r.Register, content: bytes,
            handle: Callable[[_Row, list[Any]], str | None]) -> dict[str, int]:
    access.require(actor, perm)
    errors = r.RowErrors()
    row = _Row(actor, perm, register, errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for number, cells in r.read_rows(content, register.columns):
        row.line = number
        before = len(errors.items)
        outcome = handle(row, cells)
        if outcome and len(errors.items) == before:
            counts[outcome] += 1
    errors.raise_if_any()  # raising rolls back the rows already written
    return counts


# --- processes ------------------------------------------------------------------------------------


def _process(row: _Row, cells: list[Any]) -> str | None:
    from finassure.governance.services.processes import process_create, process_update

    line_code, code, name, name_en, unit_code, active = cells
    line = BusinessLine.objects.filter(institution_id__in=row.institutions, code=r.text(line_code)).first()
    if line is None:
        row.fail(0, _("unknown business line “%(code)s”") % {"code": r.text(line_code)})
    unit = row.unit(4, unit_code)
    code = r.text(code)
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        row.fail(1, _("the code must be letters, digits, - or _"))
    name = row.required(2, name)
    if row.errors.items and row.errors.items[-1].line == row.line:
        return None
    assert line is not None and unit is not None
    process = Process.objects.filter(business_line=line, code=code).first()
    if process is None:
        return "created" if row.call(process_create, org_unit=unit, business_line=line, code=code, name=name,
                                     name_en=r.text(name_en)) else None
    if (process.name, process.name_en, process.is_active) == (name, r.text(name_en), r.truthy(active)):
        return "unchanged"
    return "updated" if row.call(process_update, process=process, name=name, name_en=r.text(name_en),
                                 description=process.description, is_active=r.truthy(active)) else None


@transaction.atomic
def process_import(*, actor: Any, content: bytes) -> dict[str, int]:
    return _import(actor, MANAGE_POLICY, r.PROCESSES, content, _process)


# --- policies -------------------------------------------------------------------------------------


def _policy(row: _Row, cells: list[Any]) -> str | None:
    from finassure.governance.services.policies import policy_create, policy_update, policy_version_update

    code, title, kind, unit_code, processes_cell, positions_cell, review_due, body = cells
    code, title = row.required(0, code), row.required(1, title)
    kind = row.choice(2, kind, Policy.Kind.values)
    unit = row.unit(3, unit_code)
    processes = row.many(4, processes_cell, row.process)
    positions = row.many(5, positions_cell, row.position)
    due = row.date(6, review_due)
    body = r.text(body)
    if row.errors.items and row.errors.items[-1].line == row.line:
        return None
    assert unit is not None
    policy = Policy.objects.filter(code=code).first()
    if policy is None:
        return "created" if row.call(policy_create, org_unit=unit, code=code, title=title, kind=kind, body=body,
                                     processes=processes, positions=positions, review_due=due) else None
    if policy.org_unit_id != unit.pk:
        row.fail(3, _("the owner unit of an existing policy cannot change by import"))
        return None
    latest = policy.versions.order_by("-number").first()
    same = (policy.title, policy.kind, policy.review_due, set(policy.processes.all()), set(policy.positions.all())) \
        == (title, kind, due, set(processes), set(positions))
    text_changed = latest is not None and latest.body.strip() != body
    if text_changed and latest is not None and latest.status != PolicyVersion.Status.DRAFT:
        row.fail(7, _("the text of a version in review or in force changes through a new version, not by import"))
        return None
    if same and not text_changed:
        return "unchanged"
    ok = same or row.call(policy_update, policy=policy, title=title, kind=kind, processes=processes,
                          positions=positions, review_due=due)
    if ok and text_changed and latest is not None:
        ok = row.call(policy_version_update, version=latest, body=body, change_summary=latest.change_summary)
    return "updated" if ok else None


@transaction.atomic
def policy_import(*, actor: Any, content: bytes) -> dict[str, int]:
    return _import(actor, MANAGE_POLICY, r.POLICIES, content, _policy)


# --- positions ------------------------------------------------------------------------------------


def _position(row: _Row, cells: list[Any]) -> str | None:
    from finassure.governance.services.positions import position_create, position_update

    unit_code, code, name, duties, needed, holders_cell = cells
    unit = row.unit(0, unit_code)
    code, name = row.required(1, code), row.required(2, name)
    holders = row.many(5, holders_cell, lambda name: User.objects.filter(
        org_unit__institution_id__in=row.institutions, username=name, is_active=True).first())
    if row.errors.items and row.errors.items[-1].line == row.line:
        return None
    assert unit is not None
    position = Position.objects.filter(org_unit=unit, code=code).first()
    if position is None:
        return "created" if row.call(position_create, org_unit=unit, code=code, name=name, duties=r.text(duties),
                                     permissions_needed=r.text(needed), holders=holders) else None
    if (position.name, position.duties, position.permissions_needed, set(position.holders.all())) == (
            name, r.text(duties), r.text(needed), set(holders)):
        return "unchanged"
    return "updated" if row.call(position_update, position=position, name=name, duties=r.text(duties),
                                 permissions_needed=r.text(needed), holders=holders) else None


@transaction.atomic
def position_import(*, actor: Any, content: bytes) -> dict[str, int]:
    return _import(actor, MANAGE_POLICY, r.POSITIONS, content, _position)


# --- risks ----------------------------------------------------------------------------------------


def _risk(row: _Row, cells: list[Any]) -> str | None:
    from finassure.governance.services.risks import RISK_FIELDS, risk_create, risk_update

    (pk, unit_code, title, category, description, il, ii, rl, ri, treatment, owner, controls_cell, policies_cell,
     review_due) = cells
    unit = row.unit(1, unit_code)
    values = {"title": row.required(2, title), "category": row.choice(3, category, Risk.Category.values),
              "description": r.text(description), "inherent_likelihood": row.integer(5, il),
              "inherent_impact": row.integer(6, ii), "residual_likelihood": row.integer(7, rl),
              "residual_impact": row.integer(8, ri), "treatment": row.choice(9, treatment, Risk.Treatment.values),
              "owner": row.user(10, owner), "review_due": row.date(13, review_due)}
    controls = row.many(11, controls_cell, row.control)
    policies = row.many(12, policies_cell, row.policy)
    risk = None
    if r.text(pk):
        risk = row.risk(r.text(pk))
        if risk is None:
            row.fail(0, _("no risk with this ID in your register (leave it empty for a new risk)"))
        elif unit is not None and risk.org_unit_id != unit.pk:
            row.fail(1, _("the org unit of an existing risk cannot change by import"))
    if row.errors.items and row.errors.items[-1].line == row.line:
        return None
    assert unit is not None
    if risk is None:
        return "created" if row.call(risk_create, org_unit=unit, controls=controls, policies=policies,
                                     **values) else None
    current = {name: getattr(risk, name) for name in RISK_FIELDS}
    if current == values and (set(risk.controls.all()), set(risk.policies.all())) == (set(controls), set(policies)):
        return "unchanged"
    return "updated" if row.call(risk_update, risk=risk, controls=controls, policies=policies, **values) else None


@transaction.atomic
def risk_import(*, actor: Any, content: bytes) -> dict[str, int]:
    return _import(actor, MANAGE_RISK, r.RISKS, content, _risk)


# --- controls -------------------------------------------------------------------------------------


def _control(row: _Row, cells: list[Any]) -> str | None:
    from finassure.governance.services.risks import control_create, control_update

    unit_code, code, name, description, owner, frequency, processes_cell = cells
    unit = row.unit(0, unit_code)
    values = {"name": row.required(2, name), "description": r.text(description), "owner": row.user(4, owner),
              "frequency": row.choice(5, frequency, Control.Frequency.values)}
    code = row.required(1, code)
    processes = row.many(6, processes_cell, row.process)
    if row.errors.items and row.errors.items[-1].line == row.line:
        return None
    assert unit is not None
    control = Control.objects.filter(org_unit=unit, code=code).first()
    if control is None:
        return "created" if row.call(control_create, org_unit=unit, code=code, processes=processes,
                                     **values) else None
    if {k: getattr(control, k) for k in values} == values and set(control.processes.all()) == set(processes):
        return "unchanged"
    return "updated" if row.call(control_update, control=control, processes=processes, **values) else None


@transaction.atomic
def control_import(*, actor: Any, content: bytes) -> dict[str, int]:
    return _import(actor, MANAGE_RISK, r.CONTROLS, content, _control)


# --- products -------------------------------------------------------------------------------------


def _product(row: _Row, cells: list[Any]) -> str | None:
    from finassure.governance.services.products import product_create, product_update
    from finassure.service.models import ProductLine

    unit_code, code, name, kind, line, description, processes_cell, policies_cell, risks_cell = cells
    unit = row.unit(0, unit_code)
    code = row.required(1, code)
    values = {"name": row.required(2, name), "kind": row.choice(3, kind, Product.Kind.values),
              "product_line": row.choice(4, line, ProductLine.values), "description": r.text(description)}
    links = {"processes": row.many(6, processes_cell, row.process), "policies": row.many(7, policies_cell, row.policy),
             "risks": row.many(8, risks_cell, row.risk)}
    if row.errors.items and row.errors.items[-1].line == row.line:
        return None
    assert unit is not None
    product = Product.objects.filter(org_unit=unit, code=code).first()
    if product is None:
        return "created" if row.call(product_create, org_unit=unit, code=code, **values, **links) else None
    if {k: getattr(product, k) for k in values} == values and all(
            set(getattr(product, k).all()) == set(v) for k, v in links.items()):
        return "unchanged"
    return "updated" if row.call(product_update, product=product, **values, **links) else None


@transaction.atomic
def product_import(*, actor: Any, content: bytes) -> dict[str, int]:
    return _import(actor, MANAGE_PRODUCT, r.PRODUCTS, content, _product)


# --- KRI values -----------------------------------------------------------------------------------


def _kri_value(row: _Row, cells: list[Any]) -> str | None:
    from decimal import Decimal, InvalidOperation

    from finassure.governance.services.risks import kri_record_value

    code, measured_on, raw = row.required(0, cells[0]), row.date(1, cells[1]), cells[2]
    if cells[1] in (None, ""):
        row.fail(1, _("this column must not be empty"))
    value: Decimal | None = None
    try:
        value = Decimal(str(raw).strip().replace(",", "")) if r.text(raw) else None
        if value is not None and (not value.is_finite() or abs(value) >= 10 ** 10):
            value = None
    except InvalidOperation:
        value = None
    if value is None:
        row.fail(2, _("“%(value)s” is not a number") % {"value": r.text(raw)})
    elif value != value.quantize(Decimal("0.0001")):
        row.fail(2, _("“%(value)s” has more than 4 decimal places") % {"value": r.text(raw)})
        value = None
    kri = None
    if code:
        found = row._memo("kri", code, lambda: list(KeyRiskIndicator.objects.filter(
            org_unit__institution_id__in=row.institutions, code=code).select_related("risk__owner", "org_unit")[:2]))
        if not found:
            row.fail(0, _("unknown key risk indicator “%(code)s”") % {"code": code})
        elif len(found) > 1:
            row.fail(0, _("several key risk indicators have the code “%(code)s”") % {"code": code})
        elif not access.has_perm(row.actor, MANAGE_RISK, found[0].org_unit):
            row.fail(0, _("you may not manage records of “%(unit)s”") % {"unit": found[0].org_unit})
        else:
            kri = found[0]
    if kri is None or measured_on is None or value is None:
        return None
    stored = row.call_mapped({"measured_on": 1, "value": 2}, kri_record_value, kri=kri, measured_on=measured_on,
                             value=value, source=KriValue.Source.IMPORT)
    return "created" if stored else None


@transaction.atomic
def kri_value_import(*, actor: Any, content: bytes) -> dict[str, int]:
    """Import KRI values (code, measured on, value) — each through `kri_record_value`, so a breach opens its
    corrective action; any bad row refuses the whole file and nothing is stored."""
    return _import(actor, MANAGE_RISK, r.KRI_VALUES, content, _kri_value)


IMPORTERS: dict[str, Callable[..., dict[str, int]]] = {
    "processes": process_import, "policies": policy_import, "positions": position_import, "risks": risk_import,
    "controls": control_import, "products": product_import,
}


def register_import(*, actor: Any, register: str, content: bytes) -> dict[str, int]:
    """Import the Excel file of `register` (one of IMPORTERS)."""
    return IMPORTERS[register](actor=actor, content=content)
