# gunicorn -c deploy/gunicorn.conf.py civicgrid.wsgi
bind = "127.0.0.1:8000"
workers = 4
threads = 2
timeout = 60
accesslog = "-"
# The path without its query string (%(U)s, not the request line %(r)s) and no referer: searches
# (/people/?q=…) and caller lookups would otherwise write identity and phone numbers to the log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
forwarded_allow_ips = "127.0.0.1"
