"""The dashboard (the home page) and an on-demand snapshot run."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.framework import selectors, services
from finassure.framework.permissions import FPerm
from finassure.framework.views._common import _selected_unit
from finassure.platform.errors import NotFound
from finassure.platform.ids import parse_id
from finassure.platform.viewutils import staff_view

INLINE_RUN_UNITS = 20  # above this many org units, an on-demand run goes to the worker


# --- dashboard ------------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    line_id = parse_id(request.GET.get("business_line"))
    unit = _selected_unit(request)
    # the filter is drawn by hand: Django's Select widget renders 200 org units ten times slower
    units = selectors.units_in_scope(actor=user, business_line_id=line_id).select_related(None).only(
        "id", "name", "name_en", "depth", "path")
    lines = selectors.business_lines_in_scope(actor=user)
    blocks = selectors.dashboard_rows(actor=user, unit=unit) if unit is not None else []
    trends = {str(row.indicator.pk): {"points": row.trend_points(), "direction": row.indicator.direction,
                                      "unit": row.indicator.get_unit_display()}
              for block in blocks for row in block.rows if row.trend}
    return render(request, "framework/dashboard.html", {
        "units": units, "lines": lines, "line_id": line_id, "unit": unit, "blocks": blocks, "trends": trends,
        "mine": selectors.my_responsibilities(actor=user),
        "assignments": access.assignments_in_force(user=user),
        "can_run": access.has_perm(user, FPerm.RUN_SNAPSHOTS, unit) if unit is not None else False,
        "unread": selectors.notifications_for(actor=user, unread_only=True).count(),
        "engagements": list(selectors.assessment_list(actor=user)[:10])
        if selectors.assessor_scope(user) is not None else None,
    })


@staff_view(FPerm.RUN_SNAPSHOTS)
@require_POST
def snapshots_run(request: HttpRequest) -> HttpResponse:
    unit_id = parse_id(request.POST.get("unit"))
    unit = selectors.unit_get(actor=request.user, pk=unit_id) if unit_id else selectors.default_unit(
        actor=request.user)
    if unit is None:
        raise NotFound(_("No org unit in scope."))
    units = list(access.units_under(unit).filter(is_active=True))
    if len(units) > INLINE_RUN_UNITS:
        # a large subtree takes longer than a page should wait: the worker computes it
        from finassure.framework import tasks

        tasks.run_snapshots_for.enqueue(unit.pk, int(request.user.pk or 0))
        messages.info(request, _("Snapshots for %(n)s org units are being computed in the background.")
                      % {"n": len(units)})
    else:
        report = services.snapshots_run(actor=request.user, units=units)
        messages.success(request, _("%(n)s snapshots computed; %(a)s corrective actions opened.")
                         % {"n": report.computed, "a": report.actions_opened})
    return redirect(f"{reverse('platform:home')}?unit={unit.pk}")
