"""gunicorn for the portal: ``gunicorn -c deploy/gunicorn.conf.py config.wsgi``.

Every value can be changed from the environment file (deploy/fengqiao.env.example) without
editing this one. Sized for the host by default: the portal's pages wait on PostgreSQL
most of the time, so a few sync workers per core with two threads each keep the CPU busy
without holding more database connections than the pool allows.
"""

import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Only nginx may reach the application server (README, "Deploying"): loopback. Not a unix
# socket: over one the peer has no address, and common.client_address believes
# X-Forwarded-For only from a peer address listed in FENGQIAO_TRUSTED_PROXY_ADDRESSES.
bind = [os.environ.get("FENGQIAO_WEB_BIND", "127.0.0.1:8001")]

workers = _env_int("FENGQIAO_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _env_int("FENGQIAO_WEB_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is a bug or a runaway query: the worker is
# replaced (PostgreSQL's statement_timeout ends the query first; see settings).
timeout = _env_int("FENGQIAO_WEB_TIMEOUT", 60)
# On HUP (systemctl reload) or TERM, requests in flight get this long to finish.
graceful_timeout = _env_int("FENGQIAO_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then, staggered, so a slow leak can never grow without bound.
max_requests = _env_int("FENGQIAO_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# The portal checks its static manifest as it loads (config/wsgi.py); not preloading
# keeps `systemctl reload` a graceful code reload, and a worker that cannot boot stops
# gunicorn with an error instead of serving 500s.
preload_app = False

# Access log to stdout (journald), with nginx's request id so one request can be
# followed from nginx's log to the portal's.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%({x-forwarded-for}i)s %({x-request-id}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
)
# nginx is the only client; its X-Forwarded-For is read by common.client_address.
forwarded_allow_ips = os.environ.get("FENGQIAO_TRUSTED_PROXY_ADDRESSES", "127.0.0.1,::1")
proc_name = "fengqiao-web"
# gunicorn (27) opens a control socket in the user's home by default: read-only under the
# unit's ProtectSystem/ProtectHome, and one path shared by every instance on the host
# (the smoke test runs two). Nothing uses it: reload is `systemctl reload` (HUP).
control_socket_disable = True
