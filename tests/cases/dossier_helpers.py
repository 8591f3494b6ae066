"""A closed case with sessions, documents and uploaded files, for the dossier tests, and
the files it carries: a scanned photo, a two-page PDF, a file that cannot be read."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import attachments, services
from cases.documents.pdf import html_to_pdf
from cases.models import AttachmentKind, FollowUpKind, SessionResult
from tests import builders
from tests.factories import make_id_number, party_rows, register_case

# Two pages with their own words on each, so a test finds where they landed.
TWO_PAGE_HTML = (
    "<style>.x{break-before:page}</style><p>附件甲第一页</p><p class='x'>附件甲第二页</p>"
)


def jpeg_bytes(size=(400, 560)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def png_with_transparency() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 255, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def two_page_pdf() -> bytes:
    return html_to_pdf(TWO_PAGE_HTML)


# PDF's first bytes and nothing a reader can use: the upload check takes it, the dossier
# cannot read it.
CORRUPT_PDF = b"%PDF-1.7\n" + b"\x00garbage" * 40


def attach(case, by, name, content, kind):
    return attachments.attachment_add(
        case=case, by=by, upload=SimpleUploadedFile(name, content), kind=kind
    )


def closed_case(world, *, sessions=2, files=True, rights=True, area=None, by=None):
    """A case of 枫源村 (or ``area``) mediated in ``sessions`` sessions, settled by an oral
    agreement, carried out, visited twice and crossed off."""
    by = by or world.secretary_a
    rows = party_rows("王建国", "李秀英")
    rows[1].update(id_number=make_id_number(sequence=456), mobile="13800001111")
    case = register_case(by, area=area, parties=rows, title="院墙边界纠纷")
    builders.accept(case, by, [world.mediator_a])
    for _number in range(sessions - 1):
        builders.record_session(case, by, [world.mediator_a], parties_present=case.parties.all())
    if rights:
        services.case_record_rights_notice(
            case=builders.refresh(case), by=by, told_on=builders.today()
        )
    builders.record_session(case, by, [world.mediator_a], SessionResult.RESOLVED)
    builders.record_agreement(case, by)
    builders.fulfil(case, by)
    builders.visit(case, by)
    builders.visit(case, by, kind=FollowUpKind.HOME_VISIT, notes="上门走访,协议已履行。")
    if files:
        attach(case, by, "身份证.jpg", jpeg_bytes(), AttachmentKind.ID_COPY)
        attach(case, by, "证据.pdf", two_page_pdf(), AttachmentKind.EVIDENCE)
        attach(case, by, "坏文件.pdf", CORRUPT_PDF, AttachmentKind.RECEIPT)
    return builders.close(builders.refresh(case), by)
