"""The production smoke test (issue 12): the real stack on this machine, from deploy/ —
nginx over HTTPS in front of two gunicorn instances as one upstream, a worker for the
reminder and delivery queues, one for long jobs, beat, PostgreSQL (the application as a
role that owns no table), Redis and an S3-compatible store (moto's server) — and a
journey through it by real HTTP: log in, register cases, upload an attachment to one
instance and download it from the other, a large export built by the worker, a reminder
from beat's sweep in the inbox, and /readyz; then uploads too large for the portal and
for nginx, refused with nothing stored. Everything it starts is stopped after.

Needs nginx, openssl, psql, PostgreSQL and Redis; without them it skips, unless
FENGQIAO_STACK_TESTS=required (set by .ci/run), where it fails. To see it fail on
purpose: FENGQIAO_STACK_PRIVATE_STORAGE=folder gives each instance its own folder, as a
second node without shared storage would have, and the cross-instance download fails.
"""

import datetime
import itertools
import json
import os
import re
import time
import zoneinfo

import pytest

from tests.deploy import stack as stack_module
from tests.deploy.stack import (
    APP_ROLE,
    BASE_URL,
    BUCKET,
    DATABASE,
    HTTP_PORT,
    ROOT,
    S3_PORT,
    WEB_PORTS,
    Stack,
    psql,
)

try:
    import requests  # comes with moto[server] (requirements-dev.txt)
except ImportError:  # pragma: no cover
    requests = None

STACK_TESTS_REQUIRED = os.environ.get("FENGQIAO_STACK_TESTS", "") == "required"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
USERNAME, PASSWORD = "h8_secretary", "Smoke-Test-2026-qx"
VILLAGE = "330681101201"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + os.urandom(2048)
# The most one uploaded file may have, as the portal on the stack computes it.
ATTACHMENT_LIMIT = "from common.uploads import upload_limit; print(upload_limit())"
AREAS_CSV = (
    "code,name,level,parent_code\n"
    "330681,诸暨市,district,\n"
    "330681101,枫桥镇,town,330681\n"
    f"{VILLAGE},枫源村,village,330681101\n"
)


def _unavailable(reason: str):
    if STACK_TESTS_REQUIRED:
        pytest.fail(f"{reason} (FENGQIAO_STACK_TESTS=required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    missing = stack_module.missing_prerequisites()
    if requests is None:
        missing.append("the requests package (pip install -r requirements-dev.txt)")
    if missing:
        _unavailable("the production stack needs " + ", ".join(missing))
    started = time.monotonic()
    running = Stack(
        tmp_path_factory.mktemp("stack"),
        storage=os.environ.get("FENGQIAO_STACK_PRIVATE_STORAGE", "s3"),
    )
    try:
        running.make_database()
        running.flush_redis()
        running.migrate_and_grant()
        running.start_s3()
        running.start_web()
        running.start_workers()
        running.start_nginx()
        running.started_in = time.monotonic() - started
        yield running
    finally:
        running.stop()
        running.flush_redis()
        running.drop_database()
        # Shown by pytest only when a test of this module failed.
        print(running.log_tails())


@pytest.fixture(scope="module")
def seeded(stack):
    """The areas and the village secretary, by the administrator's own commands, as the
    application role; and the ids the registration form needs."""
    areas = stack.folder / "areas.csv"
    areas.write_text(AREAS_CSV, encoding="utf-8")
    stack.manage("import_areas", str(areas))
    stack.manage(
        "add_user",
        USERNAME,
        "--role=village_secretary",
        f"--area={VILLAGE}",
        f"--password={PASSWORD}",
        "--permanent",
    )
    ids = stack.manage(
        "shell",
        "-c",
        "import json; from grids.models import Area; "
        "from cases.models import CaseSource, DisputeType; "
        "print(json.dumps({"
        f"'village': Area.objects.get(code='{VILLAGE}').pk, "
        "'source': CaseSource.objects.get(code='walk_in').pk, "
        "'dispute_type': DisputeType.objects.get(code='housing_homestead').pk}))",
    )
    return json.loads(ids.strip().splitlines()[-1])


def wait_until(condition, seconds: float, what: str, stack: Stack):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}\n{stack.log_tails()}")
        time.sleep(1)


class Browser:
    """A logged-in user's HTTP session through nginx; ``direct(i)`` reaches instance i
    as nginx would (X-Forwarded-Proto https), carrying the same cookies."""

    def __init__(self, certificate: str):
        self.session = requests.Session()
        # Only this stack's certificate is trusted, whatever REQUESTS_CA_BUNDLE and the
        # proxy variables of the machine say.
        self.session.trust_env = False
        self.session.verify = certificate

    def get(self, path: str, **kw):
        return self.session.get(BASE_URL + path, timeout=30, **kw)

    def post(self, path: str, data: dict, **kw):
        data = {"csrfmiddlewaretoken": self.session.cookies["csrftoken"], **data}
        headers = {"Referer": BASE_URL + path}
        return self.session.post(BASE_URL + path, data=data, headers=headers, timeout=60, **kw)

    def direct(self, node: int, method: str, path: str, **kw):
        origin = f"127.0.0.1:{WEB_PORTS[node - 1]}"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        headers = {
            "Cookie": cookies,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{origin}{path}",
        }
        return requests.request(method, f"http://{origin}{path}", headers=headers, timeout=60, **kw)

    def log_in(self, username: str, password: str):
        page = self.get("/accounts/login/")
        assert page.status_code == 200, page.text[:500]
        return self.post("/accounts/login/", {"username": username, "password": password})


_registrations = itertools.count(1)


def registration(seeded: dict, title: str) -> dict:
    # Each registration names other people: the same parties twice would (rightly)
    # stop at the repeat-dispute step instead of registering.
    serial = next(_registrations)
    today = datetime.datetime.now(SHANGHAI).date().isoformat()
    return {
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "30",
        "area": seeded["village"],
        "title": title,
        "summary": "两家因宅基地界址发生争吵。",
        "source": seeded["source"],
        "dispute_type": seeded["dispute_type"],
        "grade": "yellow",
        "received_on": today,
        "parties-0-role": "applicant",
        "parties-0-name": f"王大山{'甲乙丙丁戊己'[serial % 6]}",
        "parties-0-gender": "male",
        "parties-0-mobile": f"139123456{serial:02d}",
        "parties-1-role": "respondent",
        "parties-1-name": f"陈小河{'甲乙丙丁戊己'[serial % 6]}",
        "parties-1-gender": "female",
    }


def test_a_user_works_through_nginx_across_both_instances_the_workers_and_beat(stack, seeded):
    user = Browser(stack.certificate)
    began = time.monotonic()

    # Plain HTTP is sent to HTTPS; the probe stays on HTTP for the host itself.
    plain = requests.get(f"http://localhost:{HTTP_PORT}/cases/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://localhost/cases/")
    assert requests.get(f"http://localhost:{HTTP_PORT}/healthz", timeout=10).json() == {
        "status": "alive"
    }

    # Log in through nginx, with the CSRF token of the form.
    logged_in = user.log_in(USERNAME, PASSWORD)
    assert logged_in.status_code == 200 and logged_in.url == f"{BASE_URL}/cases/", (
        logged_in.url,
        logged_in.text[:500],
    )
    assert "max-age=31536000" in logged_in.headers["Strict-Transport-Security"]
    assert logged_in.headers.get("X-Request-ID")

    # Register two cases (two, so that the month's ledger is a "large" export).
    cases = []
    for title in ("王某与陈某宅基地纠纷", "李某与赵某邻里纠纷"):
        registered = user.post("/cases/new/", registration(seeded, title))
        match = re.search(r"/cases/(\d+)/$", registered.url)
        assert registered.status_code == 200 and match, (registered.url, registered.text[:800])
        cases.append(int(match.group(1)))
    number = re.search(r"案件 (\S+) 已登记", registered.text)
    assert number, registered.text[:800]

    # An attachment uploaded to instance 1 and downloaded from instance 2: only a
    # storage both share (S3 here) has it there.
    upload = user.direct(
        1,
        "POST",
        f"/cases/{cases[0]}/attachments/new/",
        data={"kind": "other", "csrfmiddlewaretoken": user.session.cookies["csrftoken"]},
        files={"file": ("调解协议书.pdf", PDF_BYTES, "application/pdf")},
        allow_redirects=False,
    )
    assert upload.status_code == 302, upload.text[:800]
    detail = user.direct(1, "GET", f"/cases/{cases[0]}/")
    (attachment,) = re.findall(r"/cases/attachments/(\d+)/download/", detail.text)
    other_instance = user.direct(2, "GET", f"/cases/attachments/{attachment}/download/")
    assert other_instance.status_code == 200, (
        "instance 2 cannot serve what instance 1 stored: the private storage is not shared"
    )
    assert other_instance.content == PDF_BYTES
    assert other_instance.headers["Cache-Control"] == "no-store"
    through_nginx = user.get(f"/cases/attachments/{attachment}/download/")
    assert through_nginx.status_code == 200 and through_nginx.content == PDF_BYTES

    # A ledger export above the synchronous limit: the long queue's worker builds it
    # into the store, and either instance hands it out.
    month = datetime.datetime.now(SHANGHAI).strftime("%Y-%m")
    requested = user.post("/reports/ledger/", {"area": VILLAGE, "month": month, "format": "csv"})
    report = re.search(r"/reports/exports/(\d+)/$", requested.url)
    assert requested.status_code == 200 and report, (requested.url, requested.text[:800])
    progress_url = f"/reports/exports/{report.group(1)}/progress/"
    progress = wait_until(
        lambda: (p := user.get(progress_url).json())["finished"] and p,
        90,
        "the worker to build the export",
        stack,
    )
    assert progress["status"] == "done", progress
    export = user.get(progress["download_url"])
    assert export.status_code == 200 and len(export.content) == progress["size"] > 0
    for node in (1, 2):
        assert user.direct(node, "GET", progress["download_url"]).content == export.content
    assert number.group(1).encode() in export.content

    # A follow-up visit due now (on a settled case); beat's sweep reminds its
    # responsible person, who sees it in the inbox.
    stack.manage(
        "shell",
        "-c",
        "import datetime; from django.utils import timezone; "
        "from accounts.models import User; from cases.models import Case, FollowUp, Status; "
        f"Case.objects.filter(pk={cases[1]}).update(status=Status.RESOLVED); "
        "now = timezone.now(); "
        f"FollowUp.objects.create(case_id={cases[1]}, kind='phone', "
        "remind_at=now - datetime.timedelta(minutes=1), "
        "due_at=now + datetime.timedelta(hours=2), "
        f"responsible=User.objects.get(username='{USERNAME}'))",
    )
    seeded_at = time.monotonic()
    inbox = wait_until(
        lambda: (
            (page := user.get("/notifications/")).status_code == 200
            and number.group(1) in page.text
            and page
        ),
        150,
        "beat's sweep to deliver the reminder to the inbox",
        stack,
    )
    assert "回访" in inbox.text

    # Ready, through nginx.
    ready = user.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    print(
        f"stack up in {stack.started_in:.1f} s; journey {time.monotonic() - began:.1f} s, "
        f"of which {seeded_at - began:.1f} s before the reminder was due and "
        f"{time.monotonic() - seeded_at:.1f} s waiting for beat's sweep"
    )


def test_the_application_role_cannot_drop_truncate_or_unguard_the_tables(stack):
    def as_app(sql: str):
        # In a transaction rolled back: were a statement allowed, the stack stays whole.
        return psql(f"BEGIN; {sql}; ROLLBACK", role=APP_ROLE, database=DATABASE, check=False)

    owned = psql(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user",
        role=APP_ROLE,
        database=DATABASE,
        extra=["-t", "-A"],
    )
    truncate = as_app("TRUNCATE auditlog_logentry")
    # CASCADE: as the owner this would succeed (tried: it drops 13 dependent objects).
    drop = as_app("DROP TABLE cases_case CASCADE")
    # The owner could switch the append-only triggers off; the application cannot.
    unguard = as_app("ALTER TABLE auditlog_logentry DISABLE TRIGGER USER")
    readable = as_app("SELECT count(*) FROM cases_case")

    assert owned.stdout.strip() == "0"
    assert truncate.returncode != 0 and "permission denied" in truncate.stderr, truncate.stderr
    assert drop.returncode != 0 and "must be owner" in drop.stderr, drop.stderr
    assert unguard.returncode != 0 and "must be owner" in unguard.stderr, unguard.stderr
    assert readable.returncode == 0, readable.stderr


def stored_objects() -> set[str]:
    """Every object in the stack's bucket (the private storage both instances share)."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{S3_PORT}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_an_oversized_upload_through_nginx_is_refused_clearly_and_nothing_is_stored(stack, seeded):
    if stack.storage != "s3":
        pytest.skip("the bucket is looked into; FENGQIAO_STACK_PRIVATE_STORAGE is not s3")
    user = Browser(stack.certificate)
    assert user.log_in(USERNAME, PASSWORD).status_code == 200
    registered = user.post("/cases/new/", registration(seeded, "周某与吴某相邻通行纠纷"))
    case = int(re.search(r"/cases/(\d+)/$", registered.url).group(1))
    limit = int(stack.manage("shell", "-c", ATTACHMENT_LIMIT).strip().splitlines()[-1])
    site = (ROOT / "deploy" / "nginx" / "fengqiao.conf").read_text()
    nginx_limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1)) * 1024 * 1024
    before = stored_objects()

    def upload(size: int):
        return user.session.post(
            f"{BASE_URL}/cases/{case}/attachments/new/",
            data={"kind": "other", "csrfmiddlewaretoken": user.session.cookies["csrftoken"]},
            files={"file": ("现场照片.pdf", b"%PDF-1.4\n" + b"\0" * (size - 9), "application/pdf")},
            headers={"Referer": f"{BASE_URL}/cases/{case}/attachments/new/"},
            allow_redirects=False,
            timeout=120,
        )

    # Above the portal's limit, below nginx's: nginx streams the body on (no request
    # buffering) and the portal stops reading at its limit and says so in its own page.
    over_portal = upload(limit + 1024 * 1024)
    # Above nginx's limit too: nginx refuses from the Content-Length, before the portal.
    over_nginx = upload(nginx_limit + 1024 * 1024)

    assert over_portal.status_code == 413, over_portal.text[:800]
    assert "未保存任何内容" in over_portal.text, over_portal.text[:800]
    assert over_portal.headers.get("X-Request-ID")
    assert over_nginx.status_code == 413, over_nginx.text[:800]
    assert "413 Request Entity Too Large" in over_nginx.text
    count = stack.manage(
        "shell",
        "-c",
        f"from cases.models import Attachment; print(Attachment.objects.filter(case_id={case}).count())",
    )
    assert count.strip().splitlines()[-1] == "0"
    assert stored_objects() == before
    # And the instance that refused is still well: a small file goes through.
    assert upload(4096).status_code == 302
