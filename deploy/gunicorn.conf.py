# gunicorn -c deploy/gunicorn.conf.py civicgrid.wsgi
bind = "127.0.0.1:8000"
workers = 4
threads = 2
timeout = 60
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"
