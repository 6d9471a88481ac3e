import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_asgi_application()

from civicgrid.core.heap import freeze_startup_objects  # noqa: E402 - needs the app set up

freeze_startup_objects()  # as in wsgi.py
