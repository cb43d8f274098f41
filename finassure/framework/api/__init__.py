"""REST API of the assurance framework (/api/v1/framework/…), one module per section; each registers its
operations on the one router defined in `core`. Thin: schemas validate, services decide, selectors read."""

from finassure.framework.api import costs, reviews  # noqa: F401  (they register their operations on the router)
from finassure.framework.api.core import router

__all__ = ["router"]
