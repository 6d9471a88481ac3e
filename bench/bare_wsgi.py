"""The baseline of bench/open311_throughput.py: a bare WSGI endpoint under the same gunicorn settings.

A plain function: parse the POSTed form, insert one row with psycopg in its own transaction, answer
a small JSON. Its connection is kept between requests (as civicgrid's CONN_MAX_AGE keeps its own),
so the comparison is of the work per request, not of connecting; one per thread, as Django keeps one
per thread.
"""
from __future__ import annotations

import json
import os
import threading
from urllib.parse import parse_qs

import psycopg

_local = threading.local()  # one connection per thread: the production configuration runs threads


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["BARE_DATABASE_URL"])
    return conn


def application(environ, start_response):
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
        return [b"POST only"]
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode("utf-8")).items()}
    conn = _connection()
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("INSERT INTO bench_bare (service_code, lat, lng, description, api_key) VALUES (%s, %s, %s, %s, %s) "
                    "RETURNING id", (form.get("service_code", ""), float(form.get("lat") or 0),
                                     float(form.get("long") or 0), form.get("description", ""),
                                     form.get("api_key", "")))
        rid = cur.fetchone()[0]
    body = json.dumps([{"service_request_id": str(rid)}]).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
