"""Accounts in the back office. A clerk provisions the people of their own area; a new
account goes through ``accounts.services.user_create`` like one made on the command
line, and a change through ``user_update``, so the role/area rule and the password
policy are the same. A service's refusal comes back on the form's fields."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from accounts.models import LoginFailure, LoginLockout, User
from accounts.selectors import users_in_reach
from accounts.services import EDITABLE_FIELDS, SUPERUSER_FIELDS, user_create, user_update
from common.admin_scoping import ScopedAdminMixin, call_service, scope_choices
from grids.admin_scoping import TownVillageFilter

# Access follows the role (accounts.Role), not groups or per-model permissions.
admin.site.unregister(Group)
scope_choices(User, users_in_reach)


class AccountFormMixin:
    """What the admin's account forms check themselves, and what they leave to the
    services. Every account hangs on an area (the model allows none for a superuser made
    with ``createsuperuser``), so the form asks for one. The rest of the account's rules
    are the services': a username nobody else has is ``user_create``'s and
    ``user_update``'s to refuse, in the words ``add_user`` shows too, so the form does not
    check uniqueness first in Django's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "area" in self.fields:
            self.fields["area"].required = True

    def validate_unique(self):
        # The username is the one unique field, and the service checks it (in any case).
        pass


class UserAddForm(AccountFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "mobile", "role", "area")

    def clean_username(self):
        # Django's creation form refuses a name taken in any case here; the service does.
        return self.cleaned_data.get("username")


class UserEditForm(AccountFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class TemporaryPasswordForm(AdminPasswordChangeForm):
    """A clerk setting someone's password: the owner must replace it at the next log-in."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    change_password_form = TemporaryPasswordForm
    list_display = (
        "username",
        "full_name",
        "role",
        "area",
        "mobile",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_select_related = ("area",)
    list_filter = ("role", "is_active", "is_staff", TownVillageFilter)
    search_fields = ("username", "full_name", "=mobile")
    ordering = ("username",)
    autocomplete_fields = ("area",)
    fieldsets = (
        (None, {"fields": ("username", "password", "must_change_password")}),
        (_("个人信息"), {"fields": ("full_name", "mobile", "email")}),
        (_("角色与区域"), {"fields": ("role", "area")}),
        (
            _("账号状态"),
            {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("角色与区域"), {"fields": ("full_name", "mobile", "role", "area")}),
    )

    def scope_queryset(self, request, queryset):
        return users_in_reach(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            # Back-office access follows the role (set on save); only a superuser makes
            # another superuser.
            readonly += ["is_staff", "is_superuser"]
        return readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            user = call_service(
                user_update,
                by=request.user,
                user=obj,
                data={
                    field: value
                    for field, value in data.items()
                    if field in EDITABLE_FIELDS | SUPERUSER_FIELDS
                },
            )
        else:
            user = call_service(
                user_create,
                by=request.user,
                username=data["username"],
                role=data["role"],
                area=data["area"],
                password=data["password1"] if data.get("set_usable_password") else None,
                full_name=data.get("full_name", ""),
                mobile=data.get("mobile", ""),
                # The clerk chose it, so its owner replaces it at the first log-in.
                temporary_password=True,
            )
        # The admin goes on to log and redirect with the form's instance.
        for field in User._meta.concrete_fields:
            setattr(obj, field.attname, getattr(user, field.attname))
        obj._state.adding = False
        obj._state.db = user._state.db


class LoginRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """django-axes's records of failed log-ins, read-only. A clerk or supervisor sees
    those against the accounts of their own area; attempts on names that are nobody's
    (and every area's) only a superuser sees. Nothing is deleted here: a lockout ends by
    its cool-off, or at once with ``manage.py axes_reset_username USERNAME``."""

    read_only = True
    allow_add = False
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    ordering = ("-attempt_time",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(username__in=users_in_reach(request.user).values("username"))

    @admin.display(description=_("用户名"), ordering="username")
    def login_username(self, obj):
        return obj.username

    @admin.display(description=_("客户端地址"), ordering="ip_address")
    def client_address(self, obj):
        return obj.ip_address

    @admin.display(description=_("时间"), ordering="attempt_time")
    def when(self, obj):
        return obj.attempt_time

    @admin.display(description=_("浏览器"))
    def browser(self, obj):
        return obj.user_agent

    @admin.display(description=_("页面"))
    def page(self, obj):
        return obj.path_info


@admin.register(LoginLockout)
class LoginLockoutAdmin(LoginRecordAdmin):
    list_display = ("when", "login_username", "client_address", "failures", "page", "browser")
    fields = ("when", "login_username", "client_address", "failures", "page", "browser")
    readonly_fields = fields

    @admin.display(description=_("连续失败次数"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start


@admin.register(LoginFailure)
class LoginFailureAdmin(LoginRecordAdmin):
    list_display = ("when", "login_username", "client_address", "locked", "page", "browser")
    list_filter = ("locked_out",)
    fields = ("when", "login_username", "client_address", "locked", "page", "browser")
    readonly_fields = fields

    @admin.display(description=_("已锁定"), boolean=True, ordering="locked_out")
    def locked(self, obj):
        return obj.locked_out


# API tokens are issued and rotated by operations (``manage.py api_token``), not in the
# back office: the admin deletes nothing, and a token row is only ever replaced.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
