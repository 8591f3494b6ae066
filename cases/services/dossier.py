"""The case dossier as one PDF (一案一卷, issue 15): the one service the page, the command
and the annual filing call. It refuses a case with nothing to file yet and a user who
may not print (the documents carry the parties' full numbers), renders every document
through the print service's own preparation (numbers issued as for a single print),
turns the uploaded files into pages, numbers the contents from the rendered body, and
logs one reveal per party and number for the whole dossier rather than one per page."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.documents import completeness
from cases.documents import context as contexts
from cases.documents import dossier as assembly
from cases.documents.pdf import RendererMissing, html_to_pdf
from cases.models import Case
from cases.services.documents import (
    DOCUMENT_LANGUAGE,
    PRINT_ACTIONS,
    _prepare,  # the print service's one preparation (checks, numbers, context)
    reveals_log,
)
from cases.workflow import check_allowed

# The front matter is laid out again until the contents' own length settles (it can
# only grow by the rows it lists, so two passes suffice; the rest is a guard).
_FRONT_PASSES = 4
DOSSIER_STYLESHEET = "css/dossier.css"


@dataclass(frozen=True)
class DossierResult:
    pages: int
    parts: list[dict]
    missing: list[str]


def dossier_check(*, case: Case, by) -> None:
    """Refuse unless ``case`` has a dossier to make and ``by`` may print it."""
    refusal = assembly.dossier_refusal(case)
    if refusal:
        raise ValidationError(refusal, code="dossier_not_applicable")
    for action in PRINT_ACTIONS:
        check_allowed(by, case, action)


def dossier_label(case: Case) -> str:
    """How the reveal log names the dossier."""
    return _("卷宗 %(number)s") % {"number": case.number}


def _pdf(html: str) -> bytes:
    try:
        return html_to_pdf(html)
    except RendererMissing as error:
        raise ValidationError(
            _(
                "服务器未安装PDF生成组件(WeasyPrint、Pango及中文字体),无法生成PDF,请联系管理员。可先使用网页打印。"
            ),
            code="renderer_missing",
        ) from error


def _cover_context(case: Case, by) -> dict:
    sessions = list(case.sessions.order_by("held_at").values_list("held_at", flat=True))
    started = timezone.localdate(sessions[0]) if sessions else case.accepted_on
    ended = timezone.localdate(sessions[-1]) if sessions else None
    closed_on = timezone.localdate(case.closed_at) if case.closed_at else case.resolved_on
    parties = list(case.parties.order_by("pk"))
    return {
        "case": case,
        "committee": contexts.committee_for(case),
        "parties": parties,
        "mediators": list(case.mediators.order_by("pk")),
        "mediation_from": started,
        "mediation_to": ended or closed_on,
        "filed_by": by.display_name if hasattr(by, "display_name") else str(by),
        "filed_on": closed_on or timezone.localdate(),
        "retention": settings.FENGQIAO_DOSSIER_RETENTION,
        "for_pdf": True,
        "dossier_css": Path(finders.find(DOSSIER_STYLESHEET)).as_uri(),
    }


def dossier_write(*, case: Case, by, output) -> DossierResult:
    """Write ``case``'s dossier as one PDF to ``output`` (a binary file) and log the
    reveal; returns its page count and contents."""
    case = Case.objects.select_related("area", "source", "dispute_type", "organisation").get(
        pk=case.pk
    )
    dossier_check(case=case, by=by)
    parts: list[assembly.Part] = []
    front: list[assembly.Part] = []
    try:
        with translation.override(DOCUMENT_LANGUAGE):
            for item in assembly.body_items(case):
                if item.kind is not None:
                    prepared = _prepare(
                        case=case, kind=item.kind, by=by, record=item.record, for_pdf=True
                    )
                    parts.append(assembly.pdf_part(item.title, _pdf(prepared.html)))
                else:
                    parts.append(assembly.attachment_part(item.attachment, item.title))
            missing = completeness.missing_documents(case)
            unreadable = [part.title for part in parts if part.unreadable]
            context = _cover_context(case, by)
            if missing or unreadable:
                note = render_to_string(
                    "documents/dossier/note.html",
                    {**context, "missing": missing, "unreadable": unreadable},
                )
                parts.append(assembly.pdf_part(str(_("卷宗情况说明")), _pdf(note)))
            back = render_to_string("documents/dossier/back.html", context)
            parts.append(assembly.pdf_part(str(_("封底")), _pdf(back), in_contents=False))

            cover_pages, contents_pages = 1, 1
            for _pass in range(_FRONT_PASSES):
                for part in front:
                    part.close()
                assembly.number_pages(parts, cover_pages + contents_pages + 1)
                total = cover_pages + contents_pages + sum(part.pages for part in parts)
                rows = assembly.contents_rows(parts)
                cover = assembly.pdf_part(
                    str(_("卷宗封面")),
                    _pdf(
                        render_to_string(
                            "documents/dossier/cover.html", {**context, "total_pages": total}
                        )
                    ),
                    in_contents=False,
                )
                contents = assembly.pdf_part(
                    str(_("卷内目录")),
                    _pdf(
                        render_to_string(
                            "documents/dossier/contents.html",
                            {**context, "rows": rows, "contents_start": cover_pages + 1},
                        )
                    ),
                    in_contents=False,
                )
                front = [cover, contents]
                if (cover.pages, contents.pages) == (cover_pages, contents_pages):
                    break
                cover_pages, contents_pages = cover.pages, contents.pages
            pages = assembly.merge([*front, *parts], output)
    finally:
        for part in (*front, *parts):
            part.close()
    reveals_log(
        case=case, parties=list(case.parties.order_by("pk")), by=by, label=dossier_label(case)
    )
    return DossierResult(pages=pages, parts=rows, missing=missing)
