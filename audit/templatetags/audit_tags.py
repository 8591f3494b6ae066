from django import template

from audit.policy import may_read_audit

register = template.Library()


@register.filter
def reads_audit(user) -> bool:
    """``{% if user|reads_audit %}``: may this user open the audit trail?"""
    return may_read_audit(user)
