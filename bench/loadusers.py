"""The virtual users of bench/load.py: each a thread with its own HTTPS session (kept
alive) through nginx, logging in with the real form and then looping over a weighted
mix of pages with think time between them. Every request is timed and recorded by
page; anything but the expected status is an error, with a sample kept."""

import datetime
import math
import random
import re
import threading
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
REGISTERED = re.compile(r"/cases/(\d+)/$")
EXPORT_PAGE = re.compile(r"/reports/exports/(\d+)/$")
TITLE_MARK = "【压测】"  # in the title of every case this script registers
STATUSES = ("registered", "accepted", "mediating", "resolved", "closed")
GRADES = ("blue", "yellow", "red")
ERROR_SAMPLES = 5

# The mix, by role: (action, weight). Registering is for those who register cases; the
# dashboard for supervisors. "reference" is the log-in form, anonymous: the trivial page.
MIX = {
    "register": [
        ("ledger", 22),
        ("ledger later page", 8),
        ("ledger status+grade", 7),
        ("ledger dispute type", 6),
        ("ledger overdue", 5),
        ("search party name", 8),
        ("search case number", 6),
        ("case page", 22),
        ("register", 8),
        ("reference", 8),
    ],
    "supervise": [
        ("ledger", 20),
        ("ledger later page", 8),
        ("ledger status+grade", 8),
        ("ledger dispute type", 6),
        ("ledger overdue", 8),
        ("search party name", 8),
        ("search case number", 6),
        ("case page", 20),
        ("dashboard", 8),
        ("reference", 8),
    ],
}
REGISTERING_ROLES = ("village_secretary", "grid_member")


@dataclass
class Recorder:
    """When each request ended (monotonic) and how long it took (ms), and when each
    error happened, by page; shared by every thread."""

    timings: dict = field(default_factory=lambda: defaultdict(list))  # page -> [(at, ms)]
    failures: dict = field(default_factory=lambda: defaultdict(list))  # page -> [at]
    samples: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, ms: float, error: str | None = None) -> None:
        at = time.monotonic()
        with self.lock:
            self.timings[page].append((at, ms))
            if error:
                self.failures[page].append(at)
                if len(self.samples) < ERROR_SAMPLES:
                    self.samples.append(f"{page}: {error}")

    def errors(self) -> int:
        return sum(len(times) for times in self.failures.values())

    def shift(self, origin: float) -> None:
        """Make every time relative to ``origin`` (the start of the run)."""
        for page, timed in self.timings.items():
            self.timings[page] = [(at - origin, ms) for at, ms in timed]
        for page, times in self.failures.items():
            self.failures[page] = [at - origin for at in times]


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class FormReader(HTMLParser):
    """The first form's hidden inputs and each select's non-empty option values."""

    def __init__(self):
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.options: dict[str, list[str]] = defaultdict(list)
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.hidden[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and attrs.get("value"):
            self.options[self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


class Client:
    """One HTTPS session through nginx that times and records each request."""

    def __init__(self, base_url: str, certificate: str, recorder: Recorder):
        self.base_url = base_url
        self.recorder = recorder
        self.session = self._session(certificate)
        self.anonymous = self._session(certificate)

    @staticmethod
    def _session(certificate: str) -> requests.Session:
        session = requests.Session()
        # Only the stack's own certificate, whatever the machine's proxy variables say.
        session.trust_env = False
        session.verify = certificate
        return session

    def request(self, page, method, path, *, expect=200, anonymous=False, **kw):
        """The response, or None when it was an error (recorded either way)."""
        session = self.anonymous if anonymous else self.session
        started = time.perf_counter()
        try:
            response = session.request(
                method, self.base_url + path, allow_redirects=False, timeout=60, **kw
            )
        except requests.RequestException as exc:
            ms = (time.perf_counter() - started) * 1000
            self.recorder.record(page, ms, f"{type(exc).__name__}: {exc}"[:200])
            return None
        ms = (time.perf_counter() - started) * 1000
        error = None
        if response.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
            where = response.headers.get("Location", "") or response.text[:120].replace("\n", " ")
            error = f"{method} {path} -> {response.status_code} {where}"
        self.recorder.record(page, ms, error)
        return None if error else response

    def get(self, page, path, **kw):
        return self.request(page, "GET", path, **kw)

    def post(self, page, path, data, *, expect=302):
        data = {"csrfmiddlewaretoken": self.session.cookies.get("csrftoken", ""), **data}
        headers = {"Referer": self.base_url + path}
        return self.request(page, "POST", path, data=data, headers=headers, expect=expect)

    def log_in(self, username: str, password: str) -> bool:
        if self.get("log in: form", "/accounts/login/") is None:
            return False
        done = self.post(
            "log in: submit", "/accounts/login/", {"username": username, "password": password}
        )
        return done is not None


class VirtualUser(threading.Thread):
    """Logs in at ``start_at`` (monotonic), then browses until ``stop`` is set."""

    def __init__(self, *, client, account, shared, start_at, think, stop, seed):
        super().__init__(daemon=True, name=f"user-{account['username']}-{seed}")
        self.client, self.account, self.shared = client, account, shared
        self.start_at, self.think, self.stop = start_at, think, stop
        self.rng = random.Random(seed)
        mix = MIX["register" if account["role"] in REGISTERING_ROLES else "supervise"]
        if account["role"] != "supervisor":  # a clerk reads the ledger, not the dashboard
            mix = [(action, weight) for action, weight in mix if action != "dashboard"]
        self.actions = [action for action, _ in mix]
        self.weights = [weight for _, weight in mix]
        self.seen_cases: list[int] = []
        self.logged_in = False
        self.logged_in_at = None  # monotonic, once logged in

    def run(self):
        self.stop.wait(max(0.0, self.start_at - time.monotonic()))
        if self.stop.is_set():
            return
        self.logged_in = self.client.log_in(self.account["username"], self.account["password"])
        if not self.logged_in:
            return
        self.logged_in_at = time.monotonic()
        while not self.stop.is_set():
            action = self.rng.choices(self.actions, self.weights)[0]
            try:
                getattr(self, "do_" + action.replace(" ", "_").replace("+", "_"))()
            except Exception as exc:  # a page not as expected: an error, and go on
                self.client.recorder.record(action, 0, f"{type(exc).__name__}: {exc}"[:200])
            low, high = self.think
            self.stop.wait(self.rng.uniform(low, high))

    # -- the pages -------------------------------------------------------------------
    def ledger(self, label: str, **params):
        response = self.client.get(label, "/cases/", params=params)
        if response is not None:
            found = [int(pk) for pk in CASE_LINK.findall(response.text)]
            if found:
                self.seen_cases = found
        return response

    def do_ledger(self):
        self.ledger("ledger (page 1)")

    def do_ledger_later_page(self):
        self.ledger("ledger (a later page)", page=self.rng.randint(2, 30))

    def do_ledger_status_grade(self):
        status, grade = self.rng.choice(STATUSES), self.rng.choice(GRADES)
        self.ledger("ledger: status + grade", status=status, grade=grade)

    def do_ledger_dispute_type(self):
        self.ledger("ledger: dispute type", dispute_type=self.rng.choice(self.shared["types"]))

    def do_ledger_overdue(self):
        self.ledger("ledger: overdue", overdue="on")

    def do_search_party_name(self):
        names = self.account["names"] or self.shared["party_names"]
        self.ledger("search: party name", q=self.rng.choice(names))

    def do_search_case_number(self):
        prefixes = self.account["prefixes"]
        if prefixes:
            self.ledger("search: case number prefix", q=self.rng.choice(prefixes))
        else:
            self.do_ledger()

    def do_case_page(self):
        if not self.seen_cases and self.ledger("ledger (page 1)") is None:
            return
        if self.seen_cases:
            self.client.get("case page", f"/cases/{self.rng.choice(self.seen_cases)}/")

    def do_dashboard(self):
        self.client.get("dashboard", "/reports/dashboard/")

    def do_reference(self):
        self.client.get("reference: log-in form (anonymous)", "/accounts/login/", anonymous=True)

    def do_register(self):
        form = self.client.get("register: form", "/cases/new/")
        if form is None:
            return
        fields = read_form(form.text)
        applicant, respondent = self.rng.sample(self.shared["party_names"], 2)
        data = registration_data(fields, self.rng, applicant, respondent)
        done = self.client.post("register: submit", "/cases/new/", data, expect=(200, 302))
        if done is not None and done.status_code == 200:
            # The parties were in an earlier dispute: the page shows them and asks to
            # confirm, as a secretary does (a 200 without that step is an error).
            if f'name="{CONFIRM_REPEATS}"' not in done.text:
                self.client.recorder.record(
                    "register: repeat step", 0, "POST /cases/new/ -> 200 without the repeat step"
                )
                return
            done = self.client.post(
                "register: confirm repeats", "/cases/new/", {**data, CONFIRM_REPEATS: "1"}
            )
        match = done is not None and REGISTERED.search(done.headers.get("Location", ""))
        if match:
            self.seen_cases = [int(match.group(1))]
            self.client.get("case page", f"/cases/{match.group(1)}/")


CONFIRM_REPEATS = "confirm_repeats"  # cases.views.CONFIRM_REPEATS


def registration_data(fields: FormReader, rng: random.Random, applicant, respondent) -> dict:
    """The registration form filled in as a secretary would: a place, a source and a
    type from the form's own lists, two parties; titled so these cases can be found."""
    dispute_type = rng.choice(fields.options["dispute_type"])
    return {
        **{k: v for k, v in fields.hidden.items() if k != "csrfmiddlewaretoken"},
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "area": rng.choice(fields.options["area"]),
        "title": f"{TITLE_MARK}{applicant}与{respondent}纠纷",
        "summary": f"{applicant}反映与{respondent}发生争执,要求调解。",
        "source": rng.choice(fields.options["source"]),
        "dispute_type": dispute_type,
        "grade": rng.choice(("blue", "yellow")),
        "received_on": datetime.datetime.now(SHANGHAI).date().isoformat(),
        "parties-0-role": "applicant",
        "parties-0-name": applicant,
        "parties-0-gender": "male",
        "parties-0-mobile": f"139{rng.randrange(10**8):08d}",
        "parties-1-role": "respondent",
        "parties-1-name": respondent,
        "parties-1-gender": "female",
    }


class Exporter(threading.Thread):
    """A supervisor who asks for the month's ledger through the page every ``every``
    seconds (large, so the long queue's worker builds it), follows its progress and
    downloads it: work for the workers while the others browse."""

    def __init__(self, *, client, account, month, fmt, every, stop):
        super().__init__(daemon=True, name="exporter")
        self.client, self.account, self.month, self.fmt = client, account, month, fmt
        self.every, self.stop = every, stop
        self.built: list[float] = []  # seconds from the request to the file being ready
        self.failed = 0

    def run(self):
        if not self.client.log_in(self.account["username"], self.account["password"]):
            return
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                self.export_once()
            except Exception as exc:  # an answer not as expected: an error, and go on
                self.failed += 1
                self.client.recorder.record("export", 0, f"{type(exc).__name__}: {exc}"[:200])
            self.stop.wait(max(1.0, self.every - (time.monotonic() - began)))

    def export_once(self):
        if self.client.get("export: form", "/reports/ledger/") is None:
            return
        data = {"area": self.account["area_code"], "month": self.month, "format": self.fmt}
        requested = self.client.post("export: request", "/reports/ledger/", data)
        began = time.monotonic()
        match = requested is not None and EXPORT_PAGE.search(requested.headers["Location"])
        if not match:
            self.failed += 1
            return
        progress_path = f"/reports/exports/{match.group(1)}/progress/"
        while not self.stop.is_set():
            progress = self.client.get("export: progress", progress_path)
            if progress is None:
                self.failed += 1
                return
            state = progress.json()
            if state["finished"]:
                if state["status"] != "done":
                    self.failed += 1
                    self.client.recorder.record("export: progress", 0, f"export {state}")
                    return
                self.built.append(time.monotonic() - began)
                self.client.get("export: download", state["download_url"])
                return
            self.stop.wait(2)
