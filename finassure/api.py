"""The whole API surface in one place: every app's router mounted on the one NinjaAPI (like urls.py for pages)."""

from finassure.accounts.api import router as accounts_router
from finassure.framework.api import router as framework_router
from finassure.governance.api import router as governance_router
from finassure.incidents.api import router as incidents_router
from finassure.monitoring.api import router as monitoring_router
from finassure.monitoring.api_governance import router as monitoring_governance_router
from finassure.platform.api import api
from finassure.platform.api_audit import router as audit_router
from finassure.security.api import router as security_router
from finassure.service.api import router as service_router
from finassure.training.api import router as training_router

# The monitoring routers first: the real-time scoring route is the API's hottest, and Django tries an API's
# routes in this order (no two routers share a path, so the order changes nothing else).
api.add_router("/", monitoring_router)
api.add_router("/", monitoring_governance_router)
api.add_router("/", accounts_router)
api.add_router("/audit/", audit_router)
api.add_router("/framework/", framework_router)
api.add_router("/", service_router)
api.add_router("/", governance_router)
api.add_router("/", training_router)
api.add_router("/", incidents_router)
api.add_router("/", security_router)

__all__ = ["api"]
