"""The production stack on this machine, from the repository's own deploy files: nginx
with deploy/nginx/fengqiao.conf (paths and ports swapped for a temporary folder), two
gunicorn instances with deploy/gunicorn.conf.py as one upstream, two Celery workers and
beat, on PostgreSQL (a fresh database, owned by one role and used by another), Redis and
an S3-compatible store (moto's server). Used by tests/deploy/test_production_stack.py
and by bench/load.py, which sets its own ports, Redis database, database and sizes (the
module constants below are the smoke test's, and the defaults of ``Stack``).

Every process is started in its own process group and stopped with it, so the gunicorn
and Celery children go too. Ports 19xxx, Redis database 8, databases and roles fq_h8_*:
nothing another test run on this machine uses.
"""

import base64
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

HTTPS_PORT, HTTP_PORT = 19443, 19080
WEB_PORTS = (19001, 19002)
S3_PORT = 19900
REDIS_DB = 8
DATABASE = "fq_h8_stack"
OWNER_ROLE, APP_ROLE = "fq_h8_owner", "fq_h8_app"
BUCKET = "fengqiao-private"
HOST = "localhost"
BASE_URL = f"https://{HOST}:{HTTPS_PORT}"


def postgres_server() -> str:
    """The PostgreSQL server as the superuser reaches it: DATABASE_URL's, else the default."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def role_url(role: str, database: str = DATABASE) -> str:
    parts = urlsplit(postgres_server())
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5432
    return f"postgres://{role}@{host}:{port}/{database}"


def redis_url(db: int = REDIS_DB) -> str:
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return f"redis://{parts.netloc}/{db}"


def missing_prerequisites(
    ports: tuple[int, ...] = (HTTPS_PORT, HTTP_PORT, *WEB_PORTS, S3_PORT),
    redis_db: int = REDIS_DB,
) -> list[str]:
    """What this machine lacks to run the stack, in words (empty when nothing)."""
    missing = []
    if not os.access(NGINX, os.X_OK):
        missing.append("nginx (apt-get install nginx)")
    for tool in ("openssl", "psql"):
        if not shutil.which(tool):
            missing.append(f"{tool} (apt-get install {tool.replace('psql', 'postgresql-client')})")
    for tool in ("gunicorn", "celery", "moto_server"):
        if not (BIN / tool).exists():
            missing.append(f"{tool} in the venv (pip install -r requirements-dev.txt)")
    for name, url in (("PostgreSQL", postgres_server()), ("Redis", redis_url(redis_db))):
        parts = urlsplit(url)
        try:
            socket.create_connection((parts.hostname, parts.port or 0), timeout=2).close()
        except OSError:
            missing.append(f"{name} at {parts.hostname}:{parts.port}")
    for port in ports:
        with socket.socket() as probe:
            # As the servers do: a connection of an earlier run in TIME_WAIT is no owner.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                missing.append(f"port {port} is taken")
    return missing


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    """One of the stack's own programs (ours, the venv's or Debian's), to its end."""
    return subprocess.run(command, **options)  # noqa: S603 - fixed programs, our arguments


def psql(sql: str, *, role: str = "postgres", database: str = "postgres", check=True, **kw):
    """Run SQL with psql as ``role``; returns the finished process (stdout, stderr)."""
    parts = urlsplit(postgres_server())
    command = [
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        role,
        "-d",
        database,
        *kw.pop("extra", []),
    ]
    if sql:
        command += ["-c", sql]
    return run(command, capture_output=True, text=True, check=check, timeout=120)


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not open port {port} in {seconds} s") from None
            time.sleep(0.2)


def nginx_config(
    site: str,
    folder: Path,
    static_root: Path,
    certificate: Path,
    key: Path,
    *,
    http_port: int = HTTP_PORT,
    https_port: int = HTTPS_PORT,
    web_ports: tuple[int, ...] = WEB_PORTS,
    worker_connections: int = 256,
) -> str:
    """deploy/nginx/fengqiao.conf for this folder and these ports, wrapped in a main
    configuration. Each replacement must find its text, so a change to the real file
    that this test would no longer cover fails loudly here."""
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server_name tiaojie.example.gov.cn;", f"server_name {HOST};"),
        (
            "server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;",
            "\n    ".join(
                f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in web_ports
            ),
        ),
        ("/etc/ssl/fengqiao/fullchain.pem", str(certificate)),
        ("/etc/ssl/fengqiao/privkey.pem", str(key)),
        ("/srv/fengqiao/staticfiles/", f"{static_root}/"),
        ("/srv/fengqiao/deploy/nginx", str(ROOT / "deploy" / "nginx")),
        ("/srv/fengqiao/maintenance.on", str(folder / "maintenance.on")),
    ]
    for old, new in replacements:
        if old not in site:
            raise AssertionError(f"deploy/nginx/fengqiao.conf no longer has {old!r}")
        site = site.replace(old, new)
    leftover = re.findall(r"/srv/fengqiao\S*|/etc/ssl\S*", site)
    if leftover:
        raise AssertionError(f"paths of a real host left in the test's nginx site: {leftover}")
    temp = folder / "nginx-temp"
    temp.mkdir(exist_ok=True)
    # As root, nginx's workers would become "nobody", who cannot read pytest's 0700
    # folders; the test's own user is enough here.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
daemon off;
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/logs/nginx-error.log warn;
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {folder}/logs/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""


@dataclass
class Stack:
    """The stack under ``folder``. ``storage`` is "s3" (shared, as several nodes must be
    configured) or "folder" (each instance its own folder: what must fail).

    The defaults are the smoke test's: a fresh database ``database`` made by
    ``make_database``, owned by ``owner_role`` and used by ``app_role``. With
    ``database_url`` set, every process (migrations included) uses that existing
    database as that URL's role instead, and nothing here creates or drops it."""

    folder: Path
    storage: str = "s3"
    database: str = DATABASE
    owner_role: str = OWNER_ROLE
    app_role: str = APP_ROLE
    database_url: str = ""
    https_port: int = HTTPS_PORT
    http_port: int = HTTP_PORT
    web_ports: tuple[int, ...] = WEB_PORTS
    s3_port: int = S3_PORT
    redis_db: int = REDIS_DB
    # Per gunicorn instance (deploy/gunicorn.conf.py reads these from the environment).
    web_workers: int = 2
    web_threads: int = 2
    # gunicorn's max_requests (0: workers are never recycled); empty: the config's default.
    web_max_requests: str = ""
    nginx_worker_connections: int = 256
    # The Celery workers' node names end in this.
    node_name: str = "fq-h8"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path = field(init=False)
    static_root: Path = field(init=False)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    # The personal data keys (README "Personal data at rest"), one set for every node.
    personal_data_key_id: str = "stack-1"
    personal_data_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )
    personal_data_index_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )

    def __post_init__(self):
        self.logs = self.folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.static_root = self.folder / "static"

    @property
    def base_url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.https_port, self.http_port, *self.web_ports, self.s3_port)

    def missing_prerequisites(self) -> list[str]:
        return missing_prerequisites(self.ports, self.redis_db)

    def redis_url(self) -> str:
        return redis_url(self.redis_db)

    def role_database_url(self, role: str | None = None) -> str:
        """The URL a process connects with: ``database_url`` when set, else ``role``
        (the application role by default) on this stack's own database."""
        return self.database_url or role_url(role or self.app_role, self.database)

    # -- environment ---------------------------------------------------------------
    def env(self, role: str | None = None, node: str = "1", **extra: str) -> dict[str, str]:
        """deploy/fengqiao.env.example's variables with this stack's values."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "FENGQIAO_", "DATABASE_URL", "REDIS_URL"))
        }
        env.update(
            PYTHONUNBUFFERED="1",
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=self.secret_key,
            FENGQIAO_PERSONAL_DATA_KEYS=f"{self.personal_data_key_id}:{self.personal_data_key}",
            FENGQIAO_PERSONAL_DATA_INDEX_KEY=self.personal_data_index_key,
            DJANGO_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
            # nginx passes `Host $host`, without the port: on 443 the browser's Origin has
            # none either, but this stack listens on another port.
            DJANGO_CSRF_TRUSTED_ORIGINS=self.base_url,
            DATABASE_URL=self.role_database_url(role),
            REDIS_URL=self.redis_url(),
            FENGQIAO_DB_POOL="true",
            FENGQIAO_TRUSTED_PROXY_COUNT="1",
            FENGQIAO_TRUSTED_PROXY_ADDRESSES="127.0.0.1,::1",
            FENGQIAO_STATIC_ROOT=str(self.static_root),
            # Per node: where a "folder" storage keeps its files (unused with s3).
            FENGQIAO_PRIVATE_DIR=str(self.folder / f"private-{node}"),
            FENGQIAO_PRIVATE_STORAGE=self.storage,
            FENGQIAO_S3_BUCKET=BUCKET,
            FENGQIAO_S3_ENDPOINT_URL=f"http://127.0.0.1:{self.s3_port}",
            FENGQIAO_S3_ACCESS_KEY="testing",
            FENGQIAO_S3_SECRET_KEY="testing",
            FENGQIAO_S3_REGION="us-east-1",
            FENGQIAO_WEB_WORKERS=str(self.web_workers),
            FENGQIAO_WEB_THREADS=str(self.web_threads),
            FENGQIAO_SMS_BACKEND="notifications.backends.ConsoleSmsBackend",
            DJANGO_EMAIL_HOST="127.0.0.1",
            # Every export goes to the long queue's worker.
            FENGQIAO_EXPORT_SYNC_MAX_ROWS="1",
        )
        if self.web_max_requests:
            env["FENGQIAO_WEB_MAX_REQUESTS"] = self.web_max_requests
        env.update(extra)
        return env

    def manage(self, *args: str, role: str | None = None, **extra: str) -> str:
        done = run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env(role, **extra),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    # -- processes -----------------------------------------------------------------
    def start(self, name: str, command: list[str], env: dict[str, str] | None = None):
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - our own programs
            command,
            cwd=ROOT,
            env=env if env is not None else self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def stop(self) -> None:
        """Stop every process this stack started, children included: TERM, then KILL."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group
            process.wait(timeout=10)

    def log_tails(self, lines: int = 30) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(out)

    # -- the pieces ----------------------------------------------------------------
    def make_database(self) -> None:
        """A fresh database owned by the owner role; the application role exists and owns
        nothing."""
        self._refuse_existing_database("make")
        for role in (self.owner_role, self.app_role):
            psql(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
                f"THEN CREATE ROLE {role} LOGIN; END IF; END $$"
            )
        self.drop_database()
        psql(f"CREATE DATABASE {self.database} OWNER {self.owner_role}")

    def drop_database(self) -> None:
        self._refuse_existing_database("drop")
        psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    def _refuse_existing_database(self, what: str) -> None:
        if self.database_url:
            raise RuntimeError(f"will not {what} the database of {self.database_url}: not ours")

    def migrate(self) -> None:
        """As the owner (README "Deploying", step 6): migrate and collect the static files."""
        self.manage("migrate", "--noinput", role=self.owner_role)
        self.manage("collectstatic", "--noinput", role=self.owner_role)

    def migrate_and_grant(self) -> None:
        """Migrate, collect, then grant the application role what it needs."""
        self.migrate()
        psql(
            "",
            role=self.owner_role,
            database=self.database,
            extra=[
                "-v",
                f"app_role={self.app_role}",
                "-f",
                str(ROOT / "deploy" / "grant-app-role.sql"),
            ],
        )

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url()).flushdb()

    def start_s3(self) -> None:
        import boto3

        process = self.start(
            "moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)]
        )
        wait_for_port(self.s3_port, process, "moto_server")
        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.s3_port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)

    def start_web(self) -> None:
        for node, port in enumerate(self.web_ports, start=1):
            env = self.env(
                node=str(node),
                FENGQIAO_WEB_BIND=f"127.0.0.1:{port}",
                FENGQIAO_DB_STATEMENT_TIMEOUT_MS="30000",
            )
            self.start(
                f"web{node}",
                [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
                env,
            )
        for node, port in enumerate(self.web_ports, start=1):
            wait_for_port(port, self.processes[f"web{node}"], f"gunicorn {node}")

    def start_workers(self) -> None:
        celery = str(BIN / "celery")
        # As deploy/systemd/fengqiao-worker@.service: one worker per queue group.
        for node, queues in ((1, "reminders,deliveries"), (2, "long")):
            name = queues.split(",")[0]
            self.start(
                f"worker-{name}",
                [
                    celery,
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    queues,
                    f"--hostname={name}@{self.node_name}",
                    "--concurrency=1",
                    "--loglevel=INFO",
                ],
                self.env(node=str(node), FENGQIAO_DB_STATEMENT_TIMEOUT_MS="3000000"),
            )
        self.start(
            "beat",
            [
                celery,
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.folder / 'celerybeat-schedule'}",
            ],
        )

    def start_nginx(self) -> None:
        certificate, key = self.folder / "fullchain.pem", self.folder / "privkey.pem"
        run(
            [
                shutil.which("openssl") or "/usr/bin/openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                f"/CN={HOST}",
                "-addext",
                f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(certificate),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        site = (ROOT / "deploy" / "nginx" / "fengqiao.conf").read_text()
        config = self.folder / "nginx.conf"
        config.write_text(
            nginx_config(
                site,
                self.folder,
                self.static_root,
                certificate,
                key,
                http_port=self.http_port,
                https_port=self.https_port,
                web_ports=self.web_ports,
                worker_connections=self.nginx_worker_connections,
            )
        )
        test = run(
            [NGINX, "-t", "-c", str(config), "-p", str(self.folder), "-e", "stderr"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if test.returncode:
            raise RuntimeError(f"nginx -t refused the site:\n{test.stderr}")
        process = self.start(
            "nginx", [NGINX, "-c", str(config), "-p", str(self.folder), "-e", "stderr"]
        )
        wait_for_port(self.https_port, process, "nginx")

    @property
    def certificate(self) -> str:
        return str(self.folder / "fullchain.pem")
