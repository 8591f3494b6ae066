"""Pages of the ledger. Each view looks the case up through the scoping selector (404
outside the user's area), hands the cleaned form to a service, and shows what the
service refused next to the form, keeping everything the user typed."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import (
    attachment_views,
    document_views,
    dossier_views,
    followups,
    forms,
    party_views,
    people,
    selectors,
    services,
)
from cases.models import Escalation, EscalationStatus, Status
from cases.outcomes import outcome_of
from cases.policy import Action, role_allows, user_may
from cases.services import available_actions
from cases.signing import written_signing_state
from cases.steps import step_perform
from cases.watch import visible_flags_by_party
from cases.workflow import WorkflowError, check_allowed
from common.forms import form_page, show_refusal
from common.pagination import (
    AFTER_PARAM,
    BEFORE_PARAM,
    EXACT_COUNT_PARAM,
    CappedPaginator,
    list_page,
)


@login_required
def case_list(request):
    case_filter, cases = selectors.case_list(user=request.user, params=request.GET, request=request)
    page, bad_cursor = list_page(
        cases, request.GET, per_page=settings.CASES_PER_PAGE, keyset_field="received_on"
    )
    if bad_cursor:
        messages.warning(request, _("翻页链接无效,已回到第一页。"))
    # The page's rows once, so the repeat badge's single query can look at their parties.
    page.object_list = list(page.object_list)
    repeat_ids = people.repeat_badges(request.user, page.object_list)
    query = request.GET.copy()
    for param in ("page", AFTER_PARAM, BEFORE_PARAM):
        query.pop(param, None)
    exact_query = query.copy()
    exact_query[EXACT_COUNT_PARAM] = "1"
    return render(
        request,
        "cases/case_list.html",
        {
            "filter": case_filter,
            "page": page,
            "query": query.urlencode(),
            "exact_count_query": exact_query.urlencode(),
            "repeat_ids": repeat_ids,
            "may_register": role_allows(request.user, Action.REGISTER),
            "may_settle_on_spot": role_allows(request.user, Action.SETTLE_ON_SPOT),
        },
    )


# The registration form's "register all the same" button, sent only from the check step.
CONFIRM_REPEATS = "confirm_repeats"


@login_required
def case_create(request):
    if not role_allows(request.user, Action.REGISTER):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.with_watch_override(forms.CaseForm(request.POST, user=request.user))
        parties = forms.PartyFormSet(request.POST, prefix="parties", initial=forms.PARTY_INITIAL)
        repeats = None
        if forms.ADD_PARTY in request.POST:
            # "添加当事人" without the page's script: the same page, one more block.
            form, parties = forms.with_another_party(form, parties, user=request.user)
            form = forms.with_watch_override(form)
            return render(request, "cases/case_form.html", {"form": form, "parties": parties})
        if form.is_valid() and parties.is_valid():
            if not request.POST.get(CONFIRM_REPEATS):
                # The check step: earlier disputes of these people are shown before the
                # case is saved; confirming registers it all the same (never a block).
                repeats = people.repeat_disputes_for(
                    parties.party_rows(), user=request.user, area=form.cleaned_data["area"]
                )
                if repeats:
                    try:
                        services.case_register_check(
                            by=request.user, data=form.cleaned_data, parties=parties.party_rows()
                        )
                    except ValidationError:
                        repeats = None  # the service's refusal, below, comes first
            if not repeats:
                try:
                    case = services.case_register(
                        by=request.user, data=form.cleaned_data, parties=parties.party_rows()
                    )
                except ValidationError as error:
                    show_refusal(form, error, formsets={"parties": parties})
                else:
                    messages.success(
                        request, _("案件 %(number)s 已登记。") % {"number": case.number}
                    )
                    return redirect("cases:detail", pk=case.pk)
        forms.label_party_roles(parties, form.cleaned_data.get("source"))
    else:
        form = forms.with_watch_override(forms.CaseForm(user=request.user))
        parties = forms.PartyFormSet(prefix="parties", initial=forms.PARTY_INITIAL)
        forms.label_party_roles(parties, None)
        repeats = None
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "parties": parties, "repeats": repeats, "confirm_name": CONFIRM_REPEATS},
    )


@login_required
def case_settle_on_spot(request):
    """随手调 in one short form (a grid member's phone in the field)."""
    if not role_allows(request.user, Action.SETTLE_ON_SPOT):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.OnTheSpotForm(request.POST, user=request.user)
        parties = forms.OnTheSpotPartyFormSet(request.POST, prefix="parties")
        if form.is_valid() and parties.is_valid():
            try:
                case = services.case_settle_on_spot(
                    by=request.user, parties=parties.party_rows(), **form.service_kwargs()
                )
            except ValidationError as error:
                show_refusal(form, error, formsets={"parties": parties})
            else:
                messages.success(
                    request,
                    _("随手调已记录:案件 %(number)s 调解成功,请在24小时内电话回访。")
                    % {"number": case.number},
                )
                return redirect("cases:detail", pk=case.pk)
    else:
        form = forms.OnTheSpotForm(user=request.user)
        parties = forms.OnTheSpotPartyFormSet(prefix="parties")
    return render(request, "cases/on_the_spot.html", {"form": form, "parties": parties})


# The page behind each action button on the case page.
ACTION_PAGES = {
    Action.ACCEPT: "cases:accept",
    Action.RECORD_SESSION: "cases:session_create",
    Action.RECORD_INVESTIGATION: "cases:investigation_create",
    Action.RECORD_AGREEMENT: "cases:agreement_create",
    Action.SIGN_AGREEMENT: "cases:agreement_sign",
    Action.RECORD_PERFORMANCE: "cases:agreement_update",
    Action.RECORD_FOLLOW_UP: "cases:follow_up_create",
    Action.ESCALATE: "cases:escalate",
    Action.DECIDE_ESCALATION: "cases:decide_escalation",
    Action.CHANGE_GRADE: "cases:change_grade",
    Action.CLOSE: "cases:close",
    Action.FAIL: "cases:fail",
    Action.RESOLVE_OTHERWISE: "cases:resolve_otherwise",
    Action.RECORD_REFUSAL: "cases:refusal",
    Action.WAIVE_FOLLOW_UP: "cases:follow_up_waive",
    Action.NOT_ACCEPT: "cases:not_accept",
    Action.WITHDRAW: "cases:withdraw",
    Action.EDIT: "cases:edit",
    Action.VOID: "cases:void",
    Action.EXTEND_TERM: "cases:extend_term",
    Action.EXTEND_PETITION: "cases:extend_petition",
}
# Steps that end or undo something get a quieter button than the next step forward.
SECONDARY_ACTIONS = {
    Action.NOT_ACCEPT,
    Action.WITHDRAW,
    Action.EDIT,
    Action.VOID,
    Action.FAIL,
    Action.RESOLVE_OTHERWISE,
    Action.RECORD_REFUSAL,
    Action.WAIVE_FOLLOW_UP,
    Action.EXTEND_TERM,
    Action.EXTEND_PETITION,
}


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    related = selectors.case_detail_related(case)
    # The 重点人员 badge: only for roles that read the list, only for flags in their area.
    flags = visible_flags_by_party(request.user, related["parties"])
    for party in related["parties"]:
        party.watch_flags = flags.get(party.pk, [])
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
            "failed_attempts_rule": services.failed_attempts_rule(),
            "signing": written_signing_state(case.agreement),
            "closing_outstanding": (
                followups.outstanding_before_closing(case) if case.status == Status.RESOLVED else []
            ),
            **related,
            **attachment_views.detail_context(request.user, case),
            **party_views.detail_context(request.user, case),
            **document_views.detail_context(request.user, case, related),
            **dossier_views.detail_context(request.user, case),
        },
    )


@login_required
def case_edit(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    refused = _refused(request, case, Action.EDIT)
    if refused:
        return refused
    party_queryset = case.parties.all()
    if request.method == "POST":
        form = forms.with_watch_override(
            forms.CaseEditForm(request.POST, instance=None, user=request.user)
        )
        parties = forms.PartyEditFormSet(request.POST, prefix="parties", queryset=party_queryset)
        if form.is_valid() and parties.is_valid():
            try:
                services.case_update(
                    case=case, by=request.user, data=form.cleaned_data, parties=parties.party_rows()
                )
            except ValidationError as error:
                show_refusal(form, error, formsets={"parties": parties})
            else:
                messages.success(request, _("案件信息已保存。"))
                return redirect("cases:detail", pk=case.pk)
        forms.label_party_roles(parties, form.cleaned_data.get("source") or case)
    else:
        form = forms.with_watch_override(
            forms.CaseEditForm(
                initial={f: getattr(case, f) for f in services.EDITABLE_CASE_FIELDS},
                user=request.user,
            )
        )
        parties = forms.PartyEditFormSet(prefix="parties", queryset=party_queryset)
        forms.label_party_roles(parties, case)
    return render(request, "cases/case_edit.html", {"case": case, "form": form, "parties": parties})


def _refused(request, case, action: Action):
    """Refuse early what the role or the status does not allow: 403 for the role; for the
    status, back to the case with the words the service would use. None when allowed."""
    try:
        check_allowed(request.user, case, action)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return redirect("cases:detail", pk=case.pk)
    return None


def _step_page(
    action: Action,
    form_class,
    success: str,
    *,
    form_kwargs: Callable | None = None,
    after: Callable | None = None,
) -> Callable:
    """The page of one step: show the form, hand it to the step (``cases.steps``), report
    the outcome; a refusal is shown next to the form, keeping what the user typed."""

    @login_required
    def page(request, pk):
        case = selectors.case_get(user=request.user, pk=pk)
        refused = _refused(request, case, action)
        if refused:
            return refused
        extra = form_kwargs(case, request.user) if form_kwargs else {}

        def perform(data):
            outcome = step_perform(action, case=case, by=request.user, data=data)
            if after:
                after(request, outcome)
            messages.success(request, str(success))
            return redirect("cases:detail", pk=case.pk)

        return form_page(
            request,
            form=lambda *bound: form_class(*bound, **extra),
            perform=perform,
            template="cases/case_action.html",
            context={"case": case, "action": action},
        )

    return page


def _say_whether_in_force(request, agreement) -> None:
    if agreement.effective_on is not None:
        messages.info(request, _("调解协议已生效,案件调解成功。"))
    else:
        messages.info(
            request, _("书面协议尚待各方签名、调解员签名和调委会盖章,生效后案件方为调解成功。")
        )


def _warn_if_escalation_due(request, outcome) -> None:
    if outcome.escalation_due:
        messages.warning(
            request,
            _("本级已调解%(count)d次未成,按“三三调处”规则应提级调处。")
            % {"count": outcome.case.failed_attempts},
        )


case_accept = _step_page(
    Action.ACCEPT,
    forms.AcceptForm,
    gettext_lazy("案件已受理。"),
    form_kwargs=lambda case, user: {"case": case, "user": user},
)
case_not_accept = _step_page(Action.NOT_ACCEPT, forms.ReasonForm, gettext_lazy("已记录不予受理。"))
case_withdraw = _step_page(Action.WITHDRAW, forms.ReasonForm, gettext_lazy("案件已撤回。"))
session_create = _step_page(
    Action.RECORD_SESSION,
    forms.SessionForm,
    gettext_lazy("调解记录已保存。"),
    form_kwargs=lambda case, user: {"case": case},
    after=_warn_if_escalation_due,
)
investigation_create = _step_page(
    Action.RECORD_INVESTIGATION,
    forms.InvestigationForm,
    gettext_lazy("调查记录已保存。"),
    form_kwargs=lambda case, user: {"case": case},
)
case_change_grade = _step_page(
    Action.CHANGE_GRADE, forms.GradeForm, gettext_lazy("风险等级已调整。")
)
case_escalate = _step_page(
    Action.ESCALATE, forms.ReasonForm, gettext_lazy("已提级调处,等待上级接收。")
)
escalation_decide = _step_page(
    Action.DECIDE_ESCALATION, forms.EscalationDecisionForm, gettext_lazy("上报已处理。")
)
agreement_create = _step_page(
    Action.RECORD_AGREEMENT,
    forms.AgreementForm,
    gettext_lazy("调解协议已记录。"),
    after=_say_whether_in_force,
)
agreement_sign = _step_page(
    Action.SIGN_AGREEMENT,
    forms.AgreementSignForm,
    gettext_lazy("签署情况已记录。"),
    form_kwargs=lambda case, user: {"case": case},
    after=_say_whether_in_force,
)
agreement_update = _step_page(
    Action.RECORD_PERFORMANCE,
    forms.AgreementUpdateForm,
    gettext_lazy("协议履行情况已保存。"),
    form_kwargs=lambda case, user: {"instance": case.agreement},
)
follow_up_create = _step_page(
    Action.RECORD_FOLLOW_UP, forms.FollowUpForm, gettext_lazy("回访已记录。")
)
case_fail = _step_page(
    Action.FAIL,
    forms.FailForm,
    gettext_lazy("已记录调解不成。"),
    form_kwargs=lambda case, user: {"case": case},
)
case_record_refusal = _step_page(
    Action.RECORD_REFUSAL,
    forms.RefusalForm,
    gettext_lazy("已登记当事人拒绝调解,案件按调解不成办结。"),
    form_kwargs=lambda case, user: {"case": case},
)
follow_up_waive = _step_page(
    Action.WAIVE_FOLLOW_UP,
    forms.WaiveFollowUpForm,
    gettext_lazy("已免除该回访。"),
    form_kwargs=lambda case, user: {"case": case},
)
case_resolve_otherwise = _step_page(
    Action.RESOLVE_OTHERWISE,
    forms.ResolveOtherwiseForm,
    gettext_lazy("已记录以其他方式化解。"),
)
case_close = _step_page(Action.CLOSE, forms.NoteForm, gettext_lazy("案件已销号。"))
case_void = _step_page(Action.VOID, forms.ReasonForm, gettext_lazy("案件已作废。"))


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
    page = CappedPaginator(escalations, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/escalation_inbox.html", {"page": page, "query": ""})


@login_required
def person_detail(request, pk):
    """Every dispute of a party's person the user may see (404 when the party's own case
    is out of sight); the person is recognised as at registration (``cases.people``)."""
    party = selectors.party_get(user=request.user, pk=pk)
    cases = list(people.person_cases(party, user=request.user))
    return render(
        request,
        "cases/person_detail.html",
        {
            "party": party,
            "case": party.case,
            "rows": [
                (case, outcome_of(case.status, case.failure_reason, case.resolution_means))
                for case in cases
            ],
            "may_reveal_id": user_may(request.user, Action.REVEAL_ID_NUMBER, party.case),
            "may_reveal_mobile": user_may(request.user, Action.REVEAL_MOBILE, party.case),
        },
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


case_extend_term = _step_page(
    Action.EXTEND_TERM, forms.TermExtensionForm, gettext_lazy("调解期限已延长。")
)
petition_extend = _step_page(
    Action.EXTEND_PETITION, forms.PetitionExtensionForm, gettext_lazy("信访件已延期办理。")
)
