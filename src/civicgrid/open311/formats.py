"""JSON and XML renderings in the shapes GeoReport v2 gives; errors as a list of {code, description}."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# element name of one item inside each XML root
ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format", "keywords": "keyword"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _add(parent: ET.Element, name: str, value) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _add(el, k, v)
    elif isinstance(value, list):
        child = ITEM.get(name, "item")
        for v in value:
            _add(el, child, v)
    else:
        el.text = _text(value)


def to_xml(root: str, data) -> bytes:
    el = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _add(el, ITEM.get(root, "item"), item)
    else:
        for k, v in data.items():
            _add(el, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(el, encoding="utf-8")


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, data), status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)
