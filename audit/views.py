from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from audit import display, selectors
from audit.policy import may_read_audit
from cases.selectors import case_get


@login_required
def case_history(request, pk):
    """Every recorded change to a case and what hangs off it, and every time a party's
    full ID number or mobile was revealed. Clerks and supervisors only."""
    if not may_read_audit(request.user):
        raise PermissionDenied
    case = case_get(user=request.user, pk=pk)
    entries = [
        {
            "entry": entry,
            "who": display.actor_label(entry),
            "what": display.action_label(entry),
            "object_type": display.object_type_label(entry),
            "changes": display.field_changes(entry),
        }
        for entry in selectors.case_entries(case)
    ]
    return render(
        request,
        "audit/case_history.html",
        {
            "case": case,
            "entries": entries,
            "accesses": selectors.case_personal_data_accesses(case),
        },
    )
