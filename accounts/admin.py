"""Accounts in the back office. A clerk provisions the people of their own area; a new
account goes through ``accounts.services.user_create`` like one made on the command
line, so the role/area rule and the password policy are the same."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from accounts.models import Role, User
from accounts.services import ROLE_AREA_LEVELS, STAFF_ROLES, user_create
from config.admin_scoping import (
    ScopedAdminMixin,
    TownVillageFilter,
    call_service,
    users_in_reach,
)
from grids.models import AreaLevel

# Access follows the role (accounts.Role), not groups or per-model permissions.
admin.site.unregister(Group)


class RoleAreaMixin:
    """The role/area rule of ``user_create``, checked on the form so it shows on the field."""

    def clean(self):
        cleaned_data = super().clean()
        role, area = cleaned_data.get("role"), cleaned_data.get("area")
        if role in ROLE_AREA_LEVELS and area is not None:
            levels = ROLE_AREA_LEVELS[role]
            if area.level not in levels:
                self.add_error(
                    "area",
                    _("%(role)s只能属于%(levels)s,而“%(area)s”是%(level)s。")
                    % {
                        "role": Role(role).label,
                        "levels": "、".join(str(AreaLevel(level).label) for level in levels),
                        "area": area.name,
                        "level": AreaLevel(area.level).label,
                    },
                )
        return cleaned_data


class UserAddForm(RoleAreaMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "mobile", "role", "area")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "area" in self.fields:
            self.fields["area"].required = True


class UserEditForm(RoleAreaMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "area" in self.fields:
            self.fields["area"].required = True


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
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
        (None, {"fields": ("username", "password")}),
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
        if change:
            if not obj.is_superuser:
                obj.is_staff = obj.role in STAFF_ROLES
            obj.save()
            return
        data = form.cleaned_data
        user = call_service(
            user_create,
            username=data["username"],
            role=data["role"],
            area=data["area"],
            password=data["password1"] if data.get("set_usable_password") else None,
            full_name=data.get("full_name", ""),
            mobile=data.get("mobile", ""),
        )
        # The admin goes on to log and redirect with the form's instance.
        for field in User._meta.concrete_fields:
            setattr(obj, field.attname, getattr(user, field.attname))
        obj._state.adding = False
        obj._state.db = user._state.db


# API tokens are issued and rotated by operations (``manage.py api_token``), not in the
# back office: the admin deletes nothing, and a token row is only ever replaced.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
