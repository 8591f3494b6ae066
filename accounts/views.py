from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.forms import PortalPasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; the session stays logged in (Django's view calls
    ``update_session_auth_hash``). Back to where the user was sent from, if anywhere."""

    form_class = PortalPasswordChangeForm
    template_name = "registration/password_change_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self._next_url() or ""
        context["forced"] = self.request.user.must_change_password
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        return response

    def get_success_url(self):
        return self._next_url() or reverse("cases:list")

    def _next_url(self) -> str | None:
        candidate = self.request.POST.get("next") or self.request.GET.get("next")
        if candidate and url_has_allowed_host_and_scheme(
            candidate,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return candidate
        return None
