import os
import subprocess
import sys

import pytest

CHECK = "import civicgrid.settings"


def run(env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "CIVICGRID_", "DEBUG", "ALLOWED"))}
    full.update(env)
    return subprocess.run([sys.executable, "-c", CHECK], env=full, capture_output=True, text=True)


def test_development_defaults_start():
    assert run({}).returncode == 0


def test_production_refuses_development_secrets():
    res = run({"CIVICGRID_ENV": "production", "ALLOWED_HOSTS": "example.org"})
    assert res.returncode != 0
    assert "生产模式拒绝启动" in res.stderr
    assert "SECRET_KEY" in res.stderr and "CIVICGRID_DATA_KEYS" in res.stderr and "CIVICGRID_LOOKUP_KEY" in res.stderr


def test_production_starts_with_real_secrets():
    from cryptography.fernet import Fernet

    res = run({"CIVICGRID_ENV": "production", "ALLOWED_HOSTS": "example.org", "SECRET_KEY": "s" * 50,
               "CIVICGRID_DATA_KEYS": Fernet.generate_key().decode(), "CIVICGRID_LOOKUP_KEY": "k" * 40})
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "CIVICGRID_LOOKUP_KEY"])
def test_production_names_each_missing_secret(missing):
    from cryptography.fernet import Fernet

    env = {"CIVICGRID_ENV": "production", "ALLOWED_HOSTS": "example.org", "SECRET_KEY": "s" * 50,
           "CIVICGRID_DATA_KEYS": Fernet.generate_key().decode(), "CIVICGRID_LOOKUP_KEY": "k" * 40}
    env.pop(missing)
    res = run(env)
    assert res.returncode != 0 and missing in res.stderr
