"""Attachments of a case: scanned agreements and photos.

The only code that stores, finds or voids an attachment; pages and admin call these
functions. The rules:

- Who may upload: the roles that record on the case (``Action.ATTACH`` in the policy
  table), on a case they can see that is not voided. Who may download: everyone who can
  see the case (``visible_cases``); outside it the answer is 404.
- What: PDF, JPEG or PNG only, recognised by the file's first bytes, and the name's
  extension must say the same. An SVG or HTML file can carry script, an .exe renamed
  .jpg is not a photo; both are refused, as are empty files and files over
  ``FENGQIAO_ATTACHMENT_MAX_BYTES``. A refusal stores nothing: no row, no file.
- Where: ``attachments/<case id>/<uuid>.<ext>`` in the private storage
  (``common.private_files``: a folder outside anything the web server serves, or an
  object store all nodes share); the name the user gave is kept (cleaned) for display
  and as the download name only.
- Evidence: never deleted. Voiding (with a reason) hides it from the case page and
  keeps the row and the file.
"""

import re
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Attachment, AttachmentKind, Case, EventKind, Status
from cases.policy import Action, permission_refusal, user_may
from cases.selectors import visible_cases
from cases.workflow import lock_case, record_event, require_reason, require_visible
from common import private_files
from common.validators import refuse_control_characters

ATTACHMENTS_FOLDER = "attachments"


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    magic: bytes


PDF = FileType("PDF", "application/pdf", b"%PDF-")
JPEG = FileType("JPEG", "image/jpeg", b"\xff\xd8\xff")
PNG = FileType("PNG", "image/png", b"\x89PNG\r\n\x1a\n")

# The extensions accepted, and the content each must have.
TYPE_BY_EXTENSION = {"pdf": PDF, "jpg": JPEG, "jpeg": JPEG, "png": PNG}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

# Characters Windows refuses in a file name, and path separators: never in a download name.
_UNSAFE_NAME_CHARACTERS = re.compile(r'[\\/<>:"|?*]')
_MAX_STEM_LENGTH = 100


def max_bytes() -> int:
    return settings.FENGQIAO_ATTACHMENT_MAX_BYTES


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def attach_refusal(case: Case) -> str | None:
    """Why the case's state does not take attachments now, or None."""
    if case.status == Status.VOIDED:
        return _("案件已作废,不能再上传或作废附件。")
    return None


def may_attach(user: User, case: Case) -> bool:
    """For offering the upload form: the case is assumed visible to ``user``."""
    return user_may(user, Action.ATTACH, case) and attach_refusal(case) is None


def may_void(user: User, attachment: Attachment) -> bool:
    """Who may void: whoever may edit the case (secretary, clerk), or the uploader while
    they still may attach to it (a wrong photo put up by mistake)."""
    case = attachment.case
    if attachment.is_voided or attach_refusal(case) is not None:
        return False
    if user_may(user, Action.EDIT, case):
        return True
    return attachment.uploaded_by_id == user.pk and user_may(user, Action.ATTACH, case)


# ---------------------------------------------------------------------------
# Checking the file
# ---------------------------------------------------------------------------


def clean_file_name(name: str) -> str:
    """The user's file name, safe to show and to send back as a download name: no path,
    no control or direction-override characters, none that Windows refuses."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE_NAME_CHARACTERS.sub("", name)
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    # Stored data, not interface text: the same whatever the uploader's language.
    stem = stem.strip(" .")[:_MAX_STEM_LENGTH] or "附件"
    extension = extension.strip().lower()
    return f"{stem}.{extension}" if extension else stem


def _extension(name: str) -> str:
    _stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


def _sniff(head: bytes) -> FileType | None:
    return next((t for t in (PDF, JPEG, PNG) if head.startswith(t.magic)), None)


def check_upload(upload) -> tuple[str, FileType]:
    """The cleaned name and the type of an uploaded file, or a ValidationError on
    ``file`` saying in the user's language what is wrong with it."""
    if upload is None:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    name = clean_file_name(getattr(upload, "name", ""))
    declared = TYPE_BY_EXTENSION.get(_extension(name))
    if declared is None:
        raise ValidationError(
            {
                "file": _("“%(name)s”不是可以上传的文件:只能上传 PDF、JPG 或 PNG 文件。")
                % {"name": name}
            }
        )
    if not upload.size:
        raise ValidationError({"file": _("“%(name)s”是空文件,请重新选择。") % {"name": name}})
    if upload.size > max_bytes():
        raise ValidationError(
            {
                "file": _("“%(name)s”太大(%(size)s),每个附件不能超过 %(limit)s。")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(max_bytes()),
                }
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    actual = _sniff(head)
    if actual is None:
        raise ValidationError(
            {
                "file": _(
                    "“%(name)s”的内容不是 %(type)s 文件,与扩展名不符;"
                    "只能上传 PDF、JPG 或 PNG 文件。"
                )
                % {"name": name, "type": declared.label}
            }
        )
    if actual != declared:
        raise ValidationError(
            {
                "file": _(
                    "“%(name)s”的内容是 %(actual)s 文件,与扩展名不符,请改正扩展名后重新上传。"
                )
                % {"name": name, "actual": actual.label}
            }
        )
    return name, declared


# ---------------------------------------------------------------------------
# Storing, voiding, finding
# ---------------------------------------------------------------------------


def attachment_add(*, case: Case, by: User, upload, kind: str, description: str = "") -> Attachment:
    """Keep an uploaded file with the case. Refusals are PermissionDenied (role, reach)
    or ValidationError (state, kind, file); either way nothing is stored."""
    with transaction.atomic():
        case = lock_case(case)
        denied = permission_refusal(by, Action.ATTACH, case)
        if denied:
            raise PermissionDenied(denied)
        require_visible(by, case)
        refusal = attach_refusal(case)
        if refusal:
            raise ValidationError(refusal, code="workflow")
        if kind not in AttachmentKind.values:
            raise ValidationError({"kind": _("请选择附件类型。")})
        description = (description or "").strip()
        refuse_control_characters(values={"description": description})
        if len(description) > 200:
            raise ValidationError({"description": _("说明不能超过 200 个字。")})
        name, file_type = check_upload(upload)

        extension = _extension(name)
        wanted = f"{ATTACHMENTS_FOLDER}/{case.pk}/{uuid.uuid4().hex}.{extension}"
        stored = None
        try:
            stored, size, sha256 = private_files.save_private(wanted, upload)
            attachment = Attachment.objects.create(
                case=case,
                kind=kind,
                description=description,
                original_name=name,
                stored_name=stored,
                content_type=file_type.content_type,
                size=size,
                sha256=sha256,
                uploaded_by=by,
            )
            record_event(
                case, EventKind.ATTACHMENT_ADDED, by, note=f"{attachment.get_kind_display()}:{name}"
            )
        except BaseException:
            # The row is rolled back with the transaction; the file must go with it.
            if stored is not None:
                private_files.delete_private(stored)
            raise
    return attachment


@transaction.atomic
def attachment_void(*, attachment: Attachment, by: User, reason: str) -> Attachment:
    """Hide a mistaken attachment from the case page; the row and the file stay."""
    lock_case(attachment.case)
    attachment = Attachment.objects.select_for_update().select_related("case").get(pk=attachment.pk)
    require_visible(by, attachment.case)
    if attachment.is_voided:
        raise ValidationError(_("该附件已作废。"), code="workflow")
    refusal = attach_refusal(attachment.case)
    if refusal:
        raise ValidationError(refusal, code="workflow")
    if not may_void(by, attachment):
        raise PermissionDenied(_("您没有权限作废该附件。"))
    reason = require_reason(reason)
    attachment.voided_by = by
    attachment.voided_at = timezone.now()
    attachment.void_reason = reason
    attachment.save(update_fields=["voided_by", "voided_at", "void_reason"])
    record_event(
        attachment.case,
        EventKind.ATTACHMENT_VOIDED,
        by,
        note=f"{attachment.original_name}:{reason}",
    )
    return attachment


def attachments_shown(case: Case) -> QuerySet:
    """What the case page lists: everything not voided, oldest first."""
    return case.attachments.filter(voided_at__isnull=True).select_related("uploaded_by")


def attachment_get(*, user: User, pk) -> Attachment:
    """An attachment of a case the user may see, or 404 (the same whether it exists
    elsewhere or not). Voided ones too: they are evidence, and the admin links to them."""
    queryset = Attachment.objects.select_related("case", "uploaded_by").filter(
        case__in=visible_cases(user).values("pk")
    )
    return get_object_or_404(queryset, pk=pk)


def open_stored_file(attachment: Attachment):
    """The stored file opened for reading, or None when it is missing. The name is
    checked to stay inside the private storage, whatever the row says."""
    return private_files.open_private(attachment.stored_name)
