"""Dossier benchmark (issue 15): one case's dossier (一案一卷) with many sessions and
scanned pages, and the annual filing (归档) of a committee's year at growing sizes, each
measured in a fresh Python process for its time and peak RSS (VmHWM), so the filing's
memory can be seen to stay flat as the cases grow.

    .venv/bin/python bench/dossier.py [--sessions 10] [--scans 5] [--sizes 100,300,1000]

The database is its own (DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/
fengqiao_bench_dossier): migrated and loaded with the demo's places and users (no demo
cases) on first use; the cases are made through the services as an office would, in
the demo's first village (its secretary ``shuji``, mediator 宝大叔), closed today. Files
go to a temporary private folder, removed at the end. See bench/README.md.
"""

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import benchdb  # noqa: E402  (beside this script)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench_dossier"

benchdb.configure(DEFAULT_DATABASE_URL)


def _memory_kb(key: str = "VmHWM") -> int:
    """This process's peak (VmHWM) or current (VmRSS) resident set, in kB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    return 0


def _prepare_database() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import User

    if not User.objects.filter(username="shuji").exists():
        call_command("load_demo", cases=0, verbosity=0, stdout=io.StringIO())


def _scan(seed: int) -> bytes:
    """A scanned A4 page at 150 dpi: a JPEG of about the size a phone scan has."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    for line in range(60):
        y = 80 + line * 27
        draw.line((100, y, 1140 - (seed * 37 + line * 53) % 400, y), fill=(40, 40, 40), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _closed_case(sessions: int, scans: int):
    """A case mediated in ``sessions`` sessions, with ``scans`` scanned pages of
    evidence, settled by an oral agreement, visited twice and crossed off."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from accounts.models import User
    from cases import attachments, services
    from cases.models import (
        AttachmentKind,
        CaseSource,
        DisputeType,
        FollowUpKind,
        Grade,
        Method,
        Place,
        SessionResult,
    )
    from mediators.models import Mediator

    secretary = User.objects.get(username="shuji")
    mediator = Mediator.objects.get(name="宝大叔")
    case = services.case_register(
        by=secretary,
        data={
            "area": secretary.area,
            "title": "宅基地边界纠纷",
            "summary": "双方因院墙边界发生争执。" * 5,
            "source": CaseSource.objects.get(code="grid_patrol"),
            "dispute_type": DisputeType.objects.get(code="housing_homestead"),
            "grade": Grade.YELLOW,
            "received_on": timezone.localdate(),
        },
        parties=[
            {"role": "applicant", "name": "王建国", "gender": "male", "mobile": "13912345678"},
            {"role": "respondent", "name": "李秀英", "gender": "female", "address": "一组12号"},
        ],
    )
    services.case_accept(case=case, by=secretary, owner=secretary, mediators=[mediator])
    now = timezone.now().replace(second=0, microsecond=0)
    for number in range(sessions):
        last = number == sessions - 1
        services.session_record(
            case=case,
            by=secretary,
            held_at=now - datetime.timedelta(minutes=sessions - number),
            place=Place.MEDIATION_ROOM,
            method=Method.FACE_TO_FACE,
            content="双方陈述各自意见,调解员释法说理,提出调解方案。" * 8,
            result=SessionResult.RESOLVED if last else SessionResult.CONTINUE,
            mediators=[mediator],
            parties_present=list(case.parties.all()),
        )
        if number == 0:
            services.case_record_rights_notice(
                case=case, by=secretary, told_on=timezone.localdate()
            )
    services.agreement_record(
        case=case,
        by=secretary,
        data={
            "form": "oral",
            "reached_on": timezone.localdate(),
            "facts": "双方对院墙位置有争议。",
            "terms": "一、院墙按原址重建。\n二、费用双方各半。",
        },
    )
    services.agreement_update(case=case, by=secretary, data={"performance": "fulfilled"})
    for page in range(scans):
        attachments.attachment_add(
            case=case,
            by=secretary,
            upload=SimpleUploadedFile(f"扫描{page + 1}.jpg", _scan(page)),
            kind=AttachmentKind.EVIDENCE,
        )
    for kind in (FollowUpKind.PHONE, FollowUpKind.HOME_VISIT):
        services.follow_up_record(
            case=case,
            by=secretary,
            data={
                "kind": kind,
                "done_at": now,
                "performance": "yes",
                "satisfaction": "satisfied",
                "notes": "回访,协议已履行。",
            },
        )
    case.refresh_from_db()
    return services.case_close(case=case, by=secretary)


# ---------------------------------------------------------------------------
# The measured steps, each in a child process
# ---------------------------------------------------------------------------


def child_single(case_pk: int) -> dict:
    from accounts.models import User
    from cases.models import Case
    from cases.services.dossier import dossier_write

    case = Case.objects.get(pk=case_pk)
    by = User.objects.get(username="shuji")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        result = dossier_write(case=case, by=by, output=output)
        size = output.tell()
    return {"seconds": time.perf_counter() - started, "pages": result.pages, "bytes": size}


def child_filing(year: int) -> dict:
    from accounts.models import User
    from mediators.models import Organisation
    from reports import filing
    from reports.models import GeneratedReport, ReportFormat

    by = User.objects.get(username="shuji")
    committee = Organisation.objects.get(name=f"{by.area.name}人民调解委员会")
    start, end = filing.year_bounds(year)
    report = GeneratedReport(
        requested_by=by,
        area=committee.area,
        committee=committee,
        period_start=start,
        period_end=end,
        format=ReportFormat.ZIP,
    )
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        cases = filing.write(output, report, progress=lambda done: None)
        size = output.tell()
    return {"seconds": time.perf_counter() - started, "cases": cases, "bytes": size}


def _run_child(private_dir: str, *arguments: str) -> dict:
    env = {**os.environ, "FENGQIAO_PRIVATE_DIR": private_dir}
    done = subprocess.run(  # noqa: S603 (our own interpreter on this script)
        [sys.executable, __file__, "--child", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--scans", type=int, default=5)
    parser.add_argument("--sizes", default="100,300,1000", help="filing sizes, in cases")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        benchdb.setup_django()
        import logging

        import weasyprint  # noqa: F401 (its import is the baseline, not the work)
        from django.conf import settings

        logging.disable(logging.WARNING)  # WeasyPrint's layout notes
        # The local settings run with DEBUG, which keeps the last 9,000 SQL statements in
        # memory: production does not, and the filing's curve would show that instead.
        settings.DEBUG = False
        base_kb = _memory_kb("VmRSS")
        mode, value = args.child
        figures = child_single(int(value)) if mode == "single" else child_filing(int(value))
        figures["peak_kb"] = _memory_kb()
        figures["base_kb"] = base_kb
        print(json.dumps(figures))
        return

    private = tempfile.TemporaryDirectory(prefix="bench-dossier-")
    os.environ["FENGQIAO_PRIVATE_DIR"] = private.name
    benchdb.setup_django()
    import logging

    logging.disable(logging.WARNING)
    from django.utils import timezone

    from cases.models import Case

    _prepare_database()
    # Each run files only its own cases: earlier runs' are voided out of the year.
    Case.objects.filter(status="closed").update(closed_at=timezone.now().replace(year=2000))

    print(
        f"{'measure':<42}{'seconds':>10}{'base RSS MB':>13}{'peak RSS MB':>13}"
        f"{'pages/cases':>13}{'file MB':>9}"
    )
    case = _closed_case(args.sessions, args.scans)
    single = _run_child(private.name, "single", str(case.pk))
    label = f"dossier: {args.sessions} sessions, {args.scans} scans"
    print(
        f"{label:<42}{single['seconds']:>10.2f}{single['base_kb'] / 1024:>13.1f}"
        f"{single['peak_kb'] / 1024:>13.1f}{single['pages']:>13}{single['bytes'] / 1e6:>9.2f}"
    )
    # The single dossier's case is not part of the filings.
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now().replace(year=2000))

    made = 0
    year = timezone.localdate().year
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        while made < size:
            _closed_case(1, 0)
            made += 1
        figures = _run_child(private.name, "filing", str(year))
        label = f"annual filing: {size} cases (1 session each)"
        print(
            f"{label:<42}{figures['seconds']:>10.2f}{figures['base_kb'] / 1024:>13.1f}"
            f"{figures['peak_kb'] / 1024:>13.1f}{figures['cases']:>13}"
            f"{figures['bytes'] / 1e6:>9.2f}"
        )
    private.cleanup()


if __name__ == "__main__":
    main()
