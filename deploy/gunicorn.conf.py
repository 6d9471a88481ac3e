# gunicorn -c deploy/gunicorn.conf.py civicgrid.wsgi
import multiprocessing
import os

# One app server: 2 × cores + 1 workers (WEB_CONCURRENCY overrides), 2 threads each (GUNICORN_THREADS
# overrides). Several app servers behind nginx (deploy/nginx-upstream.conf) each bind their private
# address (GUNICORN_BIND).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# Database connections are kept between requests (settings: CONN_MAX_AGE 600 s and health checks
# in production); max_requests recycles a worker now and then, closing its connection cleanly.
max_requests = 5000
max_requests_jitter = 500
timeout = 60
accesslog = "-"
# The path without its query string (%(U)s, not the request line %(r)s) and no referer: searches
# (/people/?q=…) and caller lookups would otherwise write identity and phone numbers to the log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
# Behind a separate nginx host: its address (GUNICORN_FORWARDED_ALLOW_IPS=10.0.0.10).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
