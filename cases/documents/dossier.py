"""The case dossier (一案一卷, issue 15): what goes into it and in which order, the
uploaded files turned into pages, and the parts merged into one PDF with a bookmark each.

The order is the registry's (``cases.documents.registry.KINDS``, the order a file is
kept in) with each kind of uploaded file filed after the document it belongs with
(``ATTACHMENTS_AFTER``); the cover and the contents go in front, the 卷宗情况说明 (when
something is missing or unreadable) and the back cover at the end. Nothing here checks
permissions or logs: ``cases.services.dossier`` does, and renders the documents through
the one print service.

Memory: every part is written to its own scratch file as soon as it is rendered (only
its page count stays in memory), and the merge reads them back one by one into the
writer, which streams the whole to the output; an annual archive builds one dossier at
a time, so its memory does not grow with the number of cases."""

import io
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, PdfWriter

from cases.attachments import open_stored_file
from cases.documents.registry import KINDS, DocumentKind, Per
from cases.models import Attachment, AttachmentKind, Case, Status

logger = logging.getLogger(__name__)

# Where each kind of uploaded file is filed: after the document of that registry key
# (whether or not the case has that document, so the place is the same in every file).
ATTACHMENTS_AFTER: dict[str, tuple[str, ...]] = {
    "registration": (AttachmentKind.ID_COPY, AttachmentKind.POWER_OF_ATTORNEY),
    "not_accepted_notice": (AttachmentKind.EVIDENCE, AttachmentKind.PHOTO),
    "oral_agreement": (AttachmentKind.AGREEMENT_SCAN,),
    "judicial_application": (AttachmentKind.RECEIPT,),
    "closing_report": (AttachmentKind.OTHER,),
}

# A dossier makes sense once the committee took the case up or decided not to: before
# that there is nothing to file, and a voided case is kept only as evidence.
DOSSIER_STATUSES = tuple(s for s in Status if s not in (Status.REGISTERED, Status.VOIDED))

# A4 in PostScript points, for scanned images.
A4_POINTS = (595.276, 841.89)


def dossier_refusal(case: Case) -> str | None:
    """Why ``case`` has no dossier yet, in words for the user, or None."""
    if case.status == Status.VOIDED:
        return str(_("案件已作废,不能生成卷宗。"))
    if case.status not in DOSSIER_STATUSES or (
        case.accepted_on is None and case.status != Status.NOT_ACCEPTED
    ):
        return str(_("案件尚未受理(或决定不予受理),还没有可以立卷的材料,不能生成卷宗。"))
    return None


@dataclass
class Item:
    """One entry of the dossier's body, before rendering: a document record of the
    registry, or an uploaded file."""

    title: str
    kind: DocumentKind | None = None
    record: object = None
    attachment: Attachment | None = None


def body_items(case: Case) -> list[Item]:
    """The documents and uploaded files of ``case``'s dossier, in filing order."""
    shown = list(case.attachments.filter(voided_at__isnull=True).order_by("uploaded_at", "id"))
    by_kind: dict[str, list[Attachment]] = {}
    for attachment in shown:
        by_kind.setdefault(attachment.kind, []).append(attachment)
    placed = {k for kinds in ATTACHMENTS_AFTER.values() for k in kinds}
    items: list[Item] = []
    for kind in KINDS:
        if kind.state_allows(case):
            records = kind.records(case)
            for index, record in enumerate(records, start=1):
                title = str(kind.title)
                if kind.per != Per.CASE and len(records) > 1:
                    title = f"{title}({index})"
                items.append(Item(title=title, kind=kind, record=record))
        for attachment_kind in ATTACHMENTS_AFTER.get(kind.key, ()):
            items.extend(_attachment_items(by_kind.get(attachment_kind, [])))
    # A kind no place was given for still goes in, at the end of the body.
    for attachment_kind, attachments in by_kind.items():
        if attachment_kind not in placed:
            items.extend(_attachment_items(attachments))
    return items


def _attachment_items(attachments: list[Attachment]) -> Iterator[Item]:
    for attachment in attachments:
        label = attachment.get_kind_display()
        title = f"{label}:{attachment.original_name}"
        if attachment.description:
            title = f"{title}({attachment.description})"
        yield Item(title=title, attachment=attachment)


# ---------------------------------------------------------------------------
# Parts: rendered pieces in scratch files
# ---------------------------------------------------------------------------


@dataclass
class Part:
    """A rendered piece of the dossier: its title in the contents, its page count, and
    the scratch file holding its PDF (None when the file could not be read)."""

    title: str
    pages: int = 0
    file: object = None
    unreadable: bool = False
    start: int = 0
    in_contents: bool = True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _scratch(data: bytes):
    """Keep ``data`` on disk rather than in memory until the merge reads it."""
    handle = tempfile.TemporaryFile(suffix=".pdf")
    handle.write(data)
    handle.seek(0)
    return handle


def pdf_part(title: str, pdf: bytes, *, in_contents: bool = True) -> Part:
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return Part(title=title, pages=pages, file=_scratch(pdf), in_contents=in_contents)


def _image_to_pdf(data: bytes) -> bytes:
    """A scanned page as an A4 page, the image fitted inside it. img2pdf embeds a JPEG as
    it is (no re-encoding); an image it cannot take as it is (a PNG with transparency) is
    flattened on white by Pillow first."""
    # img2pdf brings pikepdf (qpdf): loaded only when a dossier has a scan.
    import img2pdf
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        # Decoding the whole image is what finds a truncated or corrupt scan.
        image.load()
        needs_flattening = image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info
        if needs_flattening:
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[-1])
            buffer = io.BytesIO()
            flat.save(buffer, format="PNG")
            data = buffer.getvalue()
    layout = img2pdf.get_layout_fun(A4_POINTS, fit=img2pdf.FitMode.into)
    return img2pdf.convert(data, layout_fun=layout)


def attachment_part(attachment: Attachment, title: str) -> Part:
    """An uploaded file as pages: a PDF page by page, an image as an A4 page. A file that
    is missing or cannot be read is a Part marked unreadable (listed, not merged)."""
    handle = open_stored_file(attachment)
    if handle is None:
        logger.warning("Dossier: attachment %s has no stored file", attachment.pk)
        return Part(title=title, unreadable=True)
    try:
        with handle:
            data = handle.read()
        if attachment.content_type == "application/pdf":
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ValueError("encrypted")
            pages = len(reader.pages)
            if not pages:
                raise ValueError("no pages")
            # Touch every page: a broken page tree fails here, not in the middle of a merge.
            for page in reader.pages:
                page.mediabox  # noqa: B018
            return Part(title=title, pages=pages, file=_scratch(data))
        return Part(title=title, pages=1, file=_scratch(_image_to_pdf(data)))
    except Exception:  # noqa: BLE001 (any reader error means the same: unreadable)
        logger.warning("Dossier: attachment %s cannot be read", attachment.pk, exc_info=True)
        return Part(title=title, unreadable=True)


# ---------------------------------------------------------------------------
# Numbering and merging
# ---------------------------------------------------------------------------


def number_pages(parts: list[Part], first_page: int) -> None:
    """Give every readable part the dossier page it starts on."""
    page = first_page
    for part in parts:
        part.start = page if not part.unreadable else 0
        page += part.pages


def contents_rows(parts: list[Part]) -> list[dict]:
    rows = []
    for part in parts:
        if not part.in_contents:
            continue
        end = part.start + part.pages - 1 if part.pages else 0
        rows.append(
            {
                "title": part.title,
                "start": part.start,
                "end": end,
                "pages": part.pages,
                "unreadable": part.unreadable,
            }
        )
    return rows


def merge(parts: list[Part], output) -> int:
    """Write the readable parts, in order, as one PDF to ``output`` with a bookmark per
    part; returns the page count. Each scratch file is closed once copied."""
    writer = PdfWriter()
    total = 0
    for part in parts:
        if part.unreadable or part.file is None:
            continue
        part.file.seek(0)
        writer.append(part.file, outline_item=part.title, import_outline=False)
        total += part.pages
        part.close()
    writer.page_mode = "/UseOutlines"
    writer.write(output)
    writer.close()
    return total
