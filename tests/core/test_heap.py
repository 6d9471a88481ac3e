"""A server process's startup objects are kept out of the garbage collector's full passes."""
from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import gc, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
from civicgrid.wsgi import application
print(len(gc.get_objects()), gc.get_freeze_count(), "civicgrid.people.views" in sys.modules)
"""


def test_the_wsgi_application_freezes_what_it_loaded_at_start():
    """Importing the WSGI application (as gunicorn's worker does) imports every view through the URL conf
    and moves the objects alive then out of the collector's walk: what is left for a full pass is the
    little made afterwards, not the ~150,000 objects of settings, models, views and templates."""
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env={**os.environ},
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    walked, frozen, views_loaded = out.stdout.split()
    assert views_loaded == "True"  # the URL conf was loaded at start
    assert int(frozen) > 50_000, out.stdout
    assert int(walked) < int(frozen) // 20, out.stdout  # a full pass walks a few percent of it
