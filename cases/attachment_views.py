"""Pages for a case's attachments: upload, download, void. Each looks the case (or the
attachment's case) up through the scoping selector, so outside the user's area every
one of them answers 404; the rules themselves are in ``cases.attachments``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import attachments, selectors
from cases.forms import ReasonForm
from cases.models import AttachmentKind, Case
from cases.policy import Action, user_may
from common.forms import PlainFormMixin, form_page


class AttachmentForm(PlainFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("附件类型"),
        choices=AttachmentKind.choices,
        initial=AttachmentKind.AGREEMENT_SCAN,
    )
    # Empty files pass the field so that the service gives its one message for them.
    file = forms.FileField(
        label=gettext_lazy("文件"),
        allow_empty_file=True,
        error_messages={"required": gettext_lazy("请选择要上传的文件。")},
        help_text=gettext_lazy("PDF、JPG 或 PNG 格式。"),
        widget=forms.ClearableFileInput(attrs={"accept": attachments.ACCEPT_ATTRIBUTE}),
    )
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


def detail_context(user, case: Case) -> dict:
    """What the case page needs for its attachments section."""
    shown = list(attachments.attachments_shown(case))
    for attachment in shown:
        attachment.case = case
        attachment.may_void = attachments.may_void(user, attachment)
    may_attach = attachments.may_attach(user, case)
    return {
        "attachments": shown,
        "may_attach": may_attach,
        "attachment_form": AttachmentForm() if may_attach else None,
    }


@login_required
def attachment_upload(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    if not user_may(request.user, Action.ATTACH, case):
        raise PermissionDenied
    refusal = attachments.attach_refusal(case)
    if refusal:
        messages.error(request, refusal)
        return redirect("cases:detail", pk=case.pk)

    def perform(data):
        attachment = attachments.attachment_add(
            case=case,
            by=request.user,
            upload=data["file"],
            kind=data["kind"],
            description=data["description"],
        )
        messages.success(request, _("附件“%(name)s”已上传。") % {"name": attachment.original_name})
        return redirect("cases:detail", pk=case.pk)

    return form_page(
        request,
        form=AttachmentForm,
        perform=perform,
        template="cases/attachment_form.html",
        context={"case": case},
    )


@login_required
def attachment_download(request, pk):
    attachment = attachments.attachment_get(user=request.user, pk=pk)
    stored = attachments.open_stored_file(attachment)
    if stored is None:
        raise Http404(_("附件文件不存在,请联系管理员。"))
    response = FileResponse(
        stored,  # FileResponse closes it when sent
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    # Always a download, never rendered by the portal's origin; and were a browser to
    # render it anyway, a sandbox with nothing allowed.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def attachment_void(request, pk):
    attachment = attachments.attachment_get(user=request.user, pk=pk)
    case = attachment.case
    if attachment.is_voided:
        messages.error(request, _("该附件已作废。"))
        return redirect("cases:detail", pk=case.pk)
    if not attachments.may_void(request.user, attachment):
        raise PermissionDenied

    def perform(data):
        attachments.attachment_void(attachment=attachment, by=request.user, reason=data["reason"])
        messages.success(request, _("附件“%(name)s”已作废。") % {"name": attachment.original_name})
        return redirect("cases:detail", pk=case.pk)

    return form_page(
        request,
        form=ReasonForm,
        perform=perform,
        template="cases/attachment_void.html",
        context={"case": case, "attachment": attachment},
    )
