"""Pages for a case's parties beyond registration: a party's agent (委托代理人) with the
power of attorney, and the many parties of a group dispute from a spreadsheet. The case
is looked up through the scoping selector (404 outside the user's area); the rules are
in ``cases.services.parties``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import attachments, selectors, services
from cases.models import Case, PartyAgent
from cases.policy import Action, user_may
from common.forms import PlainFormMixin, form_page, show_refusal
from common.validators import normalise_id_number, normalise_mobile


class PartyAgentForm(PlainFormMixin, forms.ModelForm):
    party = forms.ModelChoiceField(label=gettext_lazy("被代理的当事人"), queryset=None)
    power_of_attorney = forms.FileField(
        label=gettext_lazy("授权委托书"),
        allow_empty_file=True,
        error_messages={"required": gettext_lazy("请上传当事人签名的授权委托书。")},
        help_text=gettext_lazy("当事人签名或盖章的授权委托书扫描件,PDF、JPG 或 PNG 格式。"),
        widget=forms.ClearableFileInput(attrs={"accept": attachments.ACCEPT_ATTRIBUTE}),
    )

    class Meta:
        model = PartyAgent
        fields = ["party", *services.AGENT_FIELDS]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.order_by("id")

    def clean_id_number(self):
        return normalise_id_number(self.cleaned_data.get("id_number", ""))

    def clean_mobile(self):
        return normalise_mobile(self.cleaned_data.get("mobile", ""))

    def _post_clean(self):
        # The service checks the agent (and stores the file) in one place.
        pass


class PartiesImportForm(PlainFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("当事人名单"),
        allow_empty_file=True,
        error_messages={"required": gettext_lazy("请选择要导入的文件。")},
        help_text=gettext_lazy(
            "Excel(.xlsx)或 CSV 文件,每行一名当事人;表头写“身份”“姓名/名称”,"
            "其余列与登记表相同(如“身份证号码”“手机号码”“代表人”)。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


def detail_context(user, case: Case) -> dict:
    """What the case page's party section needs beyond the parties themselves."""
    return {"may_edit_parties": user_may(user, Action.EDIT, case)}


def _editable_case(request, pk) -> Case:
    case = selectors.case_get(user=request.user, pk=pk)
    if not user_may(request.user, Action.EDIT, case):
        raise PermissionDenied
    return case


@login_required
def party_agent_add(request, pk):
    case = _editable_case(request, pk)

    def form(*args, **kwargs):
        return PartyAgentForm(*args, case=case, **kwargs)

    def perform(data):
        agent = services.party_agent_add(
            by=request.user,
            party=data["party"],
            data=data,
            power_of_attorney=data["power_of_attorney"],
        )
        messages.success(request, _("已登记委托代理人 %(name)s。") % {"name": agent.name})
        return redirect("cases:detail", pk=case.pk)

    return form_page(
        request,
        form=form,
        perform=perform,
        template="cases/party_agent_form.html",
        context={"case": case},
    )


@login_required
def parties_import(request, pk):
    case = _editable_case(request, pk)
    problems = []
    if request.method == "POST":
        form = PartiesImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.case_parties_import(
                    by=request.user, case=case, content=form.cleaned_data["file"].read()
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _("已添加 %(count)d 名当事人。") % {"count": len(result.added)},
                    )
                    return redirect("cases:detail", pk=case.pk)
                problems = result.problems
    else:
        form = PartiesImportForm()
    return render(
        request,
        "cases/parties_import.html",
        {"case": case, "form": form, "problems": problems},
    )
