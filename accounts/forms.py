from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.services import password_changed_by_owner


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, the password rules), plus: the new password
    differs from the old one, and a temporary password stops binding once replaced."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_unchanged": _("新密码不能与当前密码相同。"),
    }

    def clean_new_password1(self):
        new_password = self.cleaned_data.get("new_password1")
        if new_password and self.user.check_password(new_password):
            raise forms.ValidationError(
                self.error_messages["password_unchanged"], code="password_unchanged"
            )
        return new_password

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            password_changed_by_owner(user)
        return user


class PortalAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing a username longer than any account's before it is
    tried: Django sets the field's max_length without its validator, so an overlong name
    reached ``authenticate`` and django-axes failed to record it (a 500 on PostgreSQL)."""

    def clean_username(self):
        username = self.cleaned_data.get("username")
        MaxLengthValidator(self.username_field.max_length or 150)(username)
        return username
