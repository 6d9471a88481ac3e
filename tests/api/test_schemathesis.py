"""Fuzz /api/v1 from its own OpenAPI document: no 5xx, and every response matches its schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from civicgrid.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_connection():
    """Calling the WSGI app directly fires request_started/finished, whose handler would close the
    test's database connection (and with it the test transaction on PostgreSQL). Django's test client
    disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(territory, keep_connection):
    from civicgrid.api import services

    return services.issue_token(None, user=territory.users["operator"], name="fuzz")[1]


@pytest.mark.django_db
@schema.parametrize()
@hsettings(max_examples=25, derandomize=True, deadline=None, phases=[Phase.explicit, Phase.generate],
           suppress_health_check=list(HealthCheck))
def test_api_conforms(case, api_token):
    case.call_and_validate(
        # identity: schemathesis' WSGI transport does not undo the GZipMiddleware's Content-Encoding
        # (a real HTTP client does); the fuzz is about the JSON, not the transport.
        headers={"Authorization": f"Bearer {api_token}", "Accept-Encoding": "identity"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance],
    )
