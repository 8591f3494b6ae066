"""Pages of the ledger. Each view looks the case up through the scoping selector (404
outside the user's area), hands the cleaned form to a service, and shows what the
service refused next to the form, keeping everything the user typed."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import attachment_views, forms, selectors, services
from cases.models import Escalation, EscalationStatus
from cases.policy import Action, role_allows, user_may
from cases.services import available_actions
from common.forms import show_refusal


@login_required
def case_list(request):
    case_filter, cases = selectors.case_list(user=request.user, params=request.GET, request=request)
    page = Paginator(cases, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "filter": case_filter,
            "page": page,
            "query": query.urlencode(),
            "may_register": role_allows(request.user, Action.REGISTER),
        },
    )


@login_required
def case_create(request):
    if not role_allows(request.user, Action.REGISTER):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.CaseForm(request.POST, user=request.user)
        parties = forms.PartyFormSet(request.POST, prefix="parties", initial=forms.PARTY_INITIAL)
        if form.is_valid() and parties.is_valid():
            try:
                case = services.case_register(
                    by=request.user, data=form.cleaned_data, parties=parties.party_rows()
                )
            except ValidationError as error:
                show_refusal(form, error, formsets={"parties": parties})
            else:
                messages.success(request, _("案件 %(number)s 已登记。") % {"number": case.number})
                return redirect("cases:detail", pk=case.pk)
    else:
        form = forms.CaseForm(user=request.user)
        parties = forms.PartyFormSet(prefix="parties", initial=forms.PARTY_INITIAL)
    return render(request, "cases/case_form.html", {"form": form, "parties": parties})


# The page behind each action button on the case page.
ACTION_PAGES = {
    Action.ACCEPT: "cases:accept",
    Action.RECORD_SESSION: "cases:session_create",
    Action.RECORD_AGREEMENT: "cases:agreement_create",
    Action.RECORD_PERFORMANCE: "cases:agreement_update",
    Action.RECORD_FOLLOW_UP: "cases:follow_up_create",
    Action.ESCALATE: "cases:escalate",
    Action.DECIDE_ESCALATION: "cases:decide_escalation",
    Action.CHANGE_GRADE: "cases:change_grade",
    Action.CLOSE: "cases:close",
    Action.FAIL: "cases:fail",
    Action.NOT_ACCEPT: "cases:not_accept",
    Action.WITHDRAW: "cases:withdraw",
    Action.EDIT: "cases:edit",
    Action.VOID: "cases:void",
}
# Steps that end or undo something get a quieter button than the next step forward.
SECONDARY_ACTIONS = {Action.NOT_ACCEPT, Action.WITHDRAW, Action.EDIT, Action.VOID, Action.FAIL}


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    related = selectors.case_detail_related(case)
    actions = available_actions(request.user, case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "action_links": [
                (action, reverse(ACTION_PAGES[action], args=[case.pk]), action in SECONDARY_ACTIONS)
                for action in ACTION_PAGES
                if action in actions
            ],
            "may_reveal_id": user_may(request.user, Action.REVEAL_ID_NUMBER, case),
            "may_reveal_mobile": user_may(request.user, Action.REVEAL_MOBILE, case),
            "escalation_due": case.failed_attempts >= services.FAILED_ATTEMPTS_BEFORE_ESCALATION
            and Action.ESCALATE in actions,
            **related,
            **attachment_views.detail_context(request.user, case),
        },
    )


@login_required
def case_edit(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    try:
        _guard(request.user, case, Action.EDIT)
    except _WorkflowRefused as refused:
        messages.error(request, str(refused))
        return redirect("cases:detail", pk=case.pk)
    party_queryset = case.parties.all()
    if request.method == "POST":
        form = forms.CaseEditForm(request.POST, instance=None, user=request.user)
        parties = forms.PartyEditFormSet(request.POST, prefix="parties", queryset=party_queryset)
        if form.is_valid() and parties.is_valid():
            rows = []
            for party_form in parties.forms:
                if not party_form.has_changed() and party_form.instance.pk is None:
                    continue
                row = dict(party_form.cleaned_data)
                row["id"] = party_form.instance.pk
                rows.append(row)
            try:
                services.case_update(
                    case=case, by=request.user, data=form.cleaned_data, parties=rows
                )
            except ValidationError as error:
                show_refusal(form, error, formsets={"parties": parties})
            else:
                messages.success(request, _("案件信息已保存。"))
                return redirect("cases:detail", pk=case.pk)
    else:
        form = forms.CaseEditForm(
            initial={f: getattr(case, f) for f in services.EDITABLE_CASE_FIELDS}, user=request.user
        )
        parties = forms.PartyEditFormSet(prefix="parties", queryset=party_queryset)
    return render(request, "cases/case_edit.html", {"case": case, "form": form, "parties": parties})


def _guard(user, case, action: Action) -> None:
    """Refuse early what the role or the status does not allow, with the same words the
    service would use."""
    if not user_may(user, action, case):
        raise PermissionDenied
    refusal = services.workflow_refusal(case, action)
    if refusal:
        raise _WorkflowRefused(refusal)


class _WorkflowRefused(Exception):
    pass


def _case_action(
    request,
    pk,
    *,
    action: Action,
    form_class,
    perform: Callable,
    success: str,
    form_kwargs: Callable | None = None,
    template: str = "cases/case_action.html",
):
    """One page per step: show the form, submit it to the service, report the outcome."""
    case = selectors.case_get(user=request.user, pk=pk)
    try:
        _guard(request.user, case, action)
    except _WorkflowRefused as refused:
        messages.error(request, str(refused))
        return redirect("cases:detail", pk=case.pk)
    extra = form_kwargs(case) if form_kwargs else {}
    if request.method == "POST":
        form = form_class(request.POST, **extra)
        if form.is_valid():
            try:
                perform(case, form.cleaned_data)
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, success)
                return redirect("cases:detail", pk=case.pk)
    elif request.method == "GET":
        form = form_class(**extra)
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, template, {"case": case, "form": form, "action": action})


@login_required
def case_accept(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.ACCEPT,
        form_class=forms.AcceptForm,
        form_kwargs=lambda case: {"case": case, "user": request.user},
        perform=lambda case, data: services.case_accept(
            case=case,
            by=request.user,
            owner=data["owner"],
            mediators=list(data["mediators"]),
            organisation=data["organisation"],
            note=data["note"],
        ),
        success=_("案件已受理。"),
    )


@login_required
def case_not_accept(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.NOT_ACCEPT,
        form_class=forms.ReasonForm,
        perform=lambda case, data: services.case_not_accept(
            case=case, by=request.user, reason=data["reason"]
        ),
        success=_("已记录不予受理。"),
    )


@login_required
def case_withdraw(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.WITHDRAW,
        form_class=forms.ReasonForm,
        perform=lambda case, data: services.case_withdraw(
            case=case, by=request.user, reason=data["reason"]
        ),
        success=_("案件已撤回。"),
    )


@login_required
def session_create(request, pk):
    def perform(case, data):
        outcome = services.session_record(
            case=case,
            by=request.user,
            held_at=data["held_at"],
            place=data["place"],
            place_detail=data["place_detail"],
            method=data["method"],
            content=data["content"],
            result=data["result"],
            mediators=list(data["mediators"]),
            parties_present=list(data["parties_present"]),
        )
        if outcome.escalation_due:
            messages.warning(
                request,
                _("本级已调解%(count)d次未成,按“三三调处”规则应提请上报上一级。")
                % {"count": outcome.case.failed_attempts},
            )
        return outcome

    return _case_action(
        request,
        pk,
        action=Action.RECORD_SESSION,
        form_class=forms.SessionForm,
        form_kwargs=lambda case: {"case": case},
        perform=perform,
        success=_("调解记录已保存。"),
    )


@login_required
def case_change_grade(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.CHANGE_GRADE,
        form_class=forms.GradeForm,
        perform=lambda case, data: services.case_change_grade(
            case=case, by=request.user, grade=data["grade"], reason=data["reason"]
        ),
        success=_("风险等级已调整。"),
    )


@login_required
def case_escalate(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.ESCALATE,
        form_class=forms.ReasonForm,
        perform=lambda case, data: services.escalation_propose(
            case=case, by=request.user, reason=data["reason"]
        ),
        success=_("已提请上报,等待上级接收。"),
    )


@login_required
def escalation_inbox(request):
    """上报待办: escalations waiting for an answer that this user may accept or return.

    One query for the escalations (case, area and proposer joined) and one for the
    cases' pending escalations, which ``user_may`` reads: the count does not grow with
    the rows.
    """
    escalations = []
    if role_allows(request.user, Action.DECIDE_ESCALATION):
        pending = (
            Escalation.objects.filter(
                status=EscalationStatus.PROPOSED,
                case__in=selectors.visible_cases(request.user).values("pk"),
                case__status__in=services.ALLOWED_FROM[Action.DECIDE_ESCALATION],
            )
            .select_related("case", "case__area", "proposed_by")
            .prefetch_related(
                Prefetch(
                    "case__escalations",
                    queryset=Escalation.objects.filter(status=EscalationStatus.PROPOSED),
                )
            )
            .order_by("proposed_at", "id")
        )
        escalations = [
            escalation
            for escalation in pending
            if user_may(request.user, Action.DECIDE_ESCALATION, escalation.case)
        ]
    page = Paginator(escalations, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/escalation_inbox.html", {"page": page, "query": ""})


@login_required
def escalation_decide(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.DECIDE_ESCALATION,
        form_class=forms.EscalationDecisionForm,
        perform=lambda case, data: services.escalation_decide(
            case=case, by=request.user, accept=data["accept"], note=data["note"]
        ),
        success=_("上报已处理。"),
    )


@login_required
def agreement_create(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.RECORD_AGREEMENT,
        form_class=forms.AgreementForm,
        perform=lambda case, data: services.agreement_record(case=case, by=request.user, data=data),
        success=_("调解协议已记录,案件调解成功。"),
    )


@login_required
def agreement_update(request, pk):
    def form_kwargs(case):
        return {"instance": case.agreement}

    return _case_action(
        request,
        pk,
        action=Action.RECORD_PERFORMANCE,
        form_class=forms.AgreementUpdateForm,
        form_kwargs=form_kwargs,
        perform=lambda case, data: services.agreement_update(case=case, by=request.user, data=data),
        success=_("协议履行情况已保存。"),
    )


@login_required
def agreement_print(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    agreement = case.agreement
    if agreement is None:
        raise Http404
    parties = list(case.parties.all())
    # The signed copy identifies the parties in full; printing it counts as revealing.
    show_id_numbers = user_may(request.user, Action.REVEAL_ID_NUMBER, case)
    if show_id_numbers:
        for party in parties:
            if party.id_number:
                services.personal_data_reveal(
                    party=party, by=request.user, action=Action.REVEAL_ID_NUMBER
                )
    return render(
        request,
        "cases/agreement_print.html",
        {
            "case": case,
            "agreement": agreement,
            "parties": parties,
            "show_id_numbers": show_id_numbers,
        },
    )


@login_required
def follow_up_create(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.RECORD_FOLLOW_UP,
        form_class=forms.FollowUpForm,
        perform=lambda case, data: services.follow_up_record(case=case, by=request.user, data=data),
        success=_("回访已记录。"),
    )


@login_required
def case_fail(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.FAIL,
        form_class=forms.FailForm,
        perform=lambda case, data: services.case_fail(
            case=case,
            by=request.user,
            failure_reason=data["failure_reason"],
            routes_explained=data["routes_explained"],
            note=data["note"],
        ),
        success=_("已记录调解不成。"),
    )


@login_required
def case_close(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.CLOSE,
        form_class=forms.NoteForm,
        perform=lambda case, data: services.case_close(
            case=case, by=request.user, note=data["note"]
        ),
        success=_("案件已销号。"),
    )


@login_required
def case_void(request, pk):
    return _case_action(
        request,
        pk,
        action=Action.VOID,
        form_class=forms.ReasonForm,
        perform=lambda case, data: services.case_void(
            case=case, by=request.user, reason=data["reason"]
        ),
        success=_("案件已作废。"),
    )


@login_required
@require_POST
def party_reveal(request, pk, field):
    party = selectors.party_get(user=request.user, pk=pk)
    action = {"id_number": Action.REVEAL_ID_NUMBER, "mobile": Action.REVEAL_MOBILE}.get(field)
    if action is None:
        raise PermissionDenied
    value = services.personal_data_reveal(party=party, by=request.user, action=action)
    return render(
        request,
        "cases/party_reveal.html",
        {"party": party, "case": party.case, "field": field, "value": value},
    )
