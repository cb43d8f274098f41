"""Engine runs: the list, a manual request, one run's page, and the retry of a failed run."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.monitoring import perms, selectors, services
from finassure.monitoring.models import Run
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import paginate, staff_view


@staff_view(perms.VIEW)
def run_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.run_list(actor=request.user), per_page=25)
    return render(
        request,
        "monitoring/run_list.html",
        {
            "page": page,
            "can_run": access.has_perm(request.user, perms.RUN),
            "store": services.transaction_store(),
        },
    )


@require_POST
@staff_view(perms.RUN)
def run_start(request: HttpRequest) -> HttpResponse:
    units = access.org_unit_list(actor=request.user, perm=perms.RUN)
    unit = units.first()
    assert unit is not None  # staff_view checked that the permission is held somewhere
    try:
        run = services.run_request(actor=request.user, org_unit=unit, trigger=Run.Trigger.MANUAL)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("monitoring:run_list")
    messages.success(request, _("Run #%(pk)s requested; the worker starts it shortly.") % {"pk": run.pk})
    return redirect(run)


@staff_view(perms.VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, pk=pk)
    return render(
        request,
        "monitoring/run_detail.html",
        {
            "run": run,
            "can_retry": run.status == Run.Status.FAILED
            and access.has_perm(request.user, perms.RUN, run.org_unit),
        },
    )


@require_POST
@staff_view(perms.RUN)
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, pk=pk)
    try:
        services.run_retry(actor=request.user, run=run)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect(run)
    messages.success(request, _("Run #%(pk)s goes back to the worker.") % {"pk": run.pk})
    return redirect(run)
