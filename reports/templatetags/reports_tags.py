"""Which of the reports' pages the navigation offers a user: the same questions the
pages ask (``reports.policy``), so a link is shown exactly when its page would open."""

from django import template

from reports.policy import may_export, may_import, may_review, may_see_dashboard

register = template.Library()


@register.filter
def sees_dashboard(user) -> bool:
    """``{% if user|sees_dashboard %}``: 统计."""
    return may_see_dashboard(user)


@register.filter
def uses_reports(user) -> bool:
    """``{% if user|uses_reports %}``: 报表, the index of whichever of the reports' pages
    this user may open (it refuses a user with none)."""
    return any(may(user) for may in (may_see_dashboard, may_export, may_import, may_review))


@register.filter
def sees_reviews(user) -> bool:
    """``{% if user|sees_reviews %}``: 月例会."""
    return may_review(user)
