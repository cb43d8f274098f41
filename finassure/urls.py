"""Root URLs: the shell, each app's pages, the API, health and metrics."""

from django.urls import include, path

from finassure.accounts import views as accounts_views
from finassure.api import api
from finassure.platform import views as platform_views

urlpatterns = [
    # first: the API has the hottest route (real-time scoring) and no page lives under api/, so resolving an API
    # call does not try the ~220 page patterns before it (benchmarks/monitoring/RESULTS.md)
    path("api/v1/", api.urls),
    path("", include("finassure.platform.urls")),
    path("accounts/", include("finassure.accounts.urls")),
    path("governance/", include("finassure.governance.urls")),
    path("training/", include("finassure.training.urls")),
    path("incidents/", include("finassure.incidents.urls")),
    path("security/", include("finassure.security.urls")),
    path("framework/", include("finassure.framework.urls")),
    path("", include("finassure.service.urls")),
    path("monitoring/", include("finassure.monitoring.urls")),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("healthz", platform_views.healthz, name="healthz"),
    path("readyz", platform_views.readyz, name="readyz"),
    path("metrics", platform_views.metrics, name="metrics"),
]

handler400 = "finassure.platform.views.bad_request"
handler403 = "finassure.platform.views.forbidden"
handler404 = "finassure.platform.views.not_found"
handler500 = "finassure.platform.views.server_error"
