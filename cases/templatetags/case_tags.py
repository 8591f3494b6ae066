"""What the navigation offers of the case pages: the same question the page asks
(``cases.policy``), so a link is shown exactly when its page has something for the user."""

from django import template

from cases.policy import Action, read_only_note, role_allows
from cases.watch import may_see_watch_list

register = template.Library()


@register.filter
def decides_escalations(user) -> bool:
    """The escalation inbox (上报待办) is for those who may accept or return one."""
    return role_allows(user, Action.DECIDE_ESCALATION)


@register.filter
def sees_watch_list(user) -> bool:
    """The 重点人员 pages are for the roles that read the list (cases.watch)."""
    return may_see_watch_list(user)


@register.simple_tag
def handling_level_note(user, case) -> str:
    """Why the case page offers no mediation steps to someone below its handling level."""
    return read_only_note(user, case) or ""
