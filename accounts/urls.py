"""Logging in and out, and changing one's own password. No namespace: Django's auth
settings and templates name these views ``login``, ``logout`` and ``password_change``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import PortalAuthenticationForm
from accounts.views import PasswordChangeView

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=PortalAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", PasswordChangeView.as_view(), name="password_change"),
]
