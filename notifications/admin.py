"""Notifications and their deliveries in the back office: read-only for everyone.

Clerks and supervisors see those sent to people of their area (the recipient's area
within their reach), to answer "was I told?" and "did the SMS go out?".
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin_scoping import ScopedAdminMixin, ScopedInlineMixin
from grids.selectors import areas_within_reach
from notifications.models import Delivery, Notification

# How a delivery went, in the inline under its notification and in the list of all.
DELIVERY_COLUMNS = ("channel", "address", "status", "attempts", "next_attempt_at", "sent_at")


class DeliveryInline(ScopedInlineMixin, admin.TabularInline):
    model = Delivery
    read_only = True
    allow_add = False
    fields = (*DELIVERY_COLUMNS, "last_error")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    read_only = True
    list_display = ("created_at", "recipient", "kind", "title", "case", "read_at")
    list_select_related = ("recipient", "case")
    list_filter = ("kind",)
    ordering = ("-id",)
    search_fields = ("recipient__username__startswith", "case__number__startswith")
    search_help_text = _("按用户名或案件编号开头搜索。")
    inlines = [DeliveryInline]

    def scope_queryset(self, request, queryset):
        return queryset.filter(recipient__area__in=areas_within_reach(request.user).values("pk"))


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    read_only = True
    list_display = ("notification", "recipient", *DELIVERY_COLUMNS)
    list_select_related = ("notification__recipient",)
    list_filter = ("status", "channel")
    ordering = ("-id",)
    search_fields = ("notification__recipient__username__startswith",)
    search_help_text = _("按用户名开头搜索。")

    def scope_queryset(self, request, queryset):
        return queryset.filter(
            notification__recipient__area__in=areas_within_reach(request.user).values("pk")
        )

    @admin.display(description=_("接收人"))
    def recipient(self, delivery):
        return delivery.notification.recipient
