from django import template

from accounts.policy import admin_access

register = template.Library()


@register.filter
def uses_back_office(user) -> bool:
    """``{% if user|uses_back_office %}``: would the admin let this user in?"""
    return admin_access(user) is not None
