"""WSGI entry point (served by waitress, or gunicorn with several workers, in `finassure serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
application = get_wsgi_application()
