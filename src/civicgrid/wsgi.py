import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_wsgi_application()

# The process's startup objects out of the collector's full passes (core/heap.py): a page that
# happened to trigger one waited ~100 ms more.
from civicgrid.core.heap import freeze_startup_objects  # noqa: E402 - needs the app set up

freeze_startup_objects()
