"""Pages of the assurance framework: dashboard, measures and indicators, snapshots, corrective actions, reports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finassure.framework import selectors
from finassure.framework.permissions import FPerm
from finassure.platform.viewutils import paginate, staff_view


@staff_view(FPerm.ACTION_VIEW)
def action_list(request: HttpRequest) -> HttpResponse:
    actions = selectors.corrective_action_list(actor=request.user)
    return render(request, "framework/action_list.html", {"page": paginate(request, actions)})


@staff_view(FPerm.ACTION_VIEW)
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.corrective_action_get(actor=request.user, pk=pk)
    return render(request, "framework/action_detail.html", {"action": action})
