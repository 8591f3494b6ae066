"""The in-app inbox: a user's own notifications, newest first, and marking them read.

Every lookup is filtered by ``recipient=request.user``: another user's notification
answers 404, the same as one that does not exist.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from common.pagination import CappedPaginator
from notifications import services
from notifications.models import Notification

NOTIFICATIONS_PER_PAGE = 20


def _safe_link(link: str, request) -> str:
    """The notification's link if it stays on this site, else nothing to click."""
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return link
    return ""


def _back(request):
    """Back to the inbox page the form was posted from (only ever a local URL)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_GET
def inbox(request):
    notifications = Notification.objects.filter(recipient=request.user).order_by(
        "-created_at", "-id"
    )
    page = CappedPaginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        notification.safe_link = _safe_link(notification.link, request)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "query": "", "here": request.get_full_path()},
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(user=request.user, notification_ids=[notification.pk])
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(user=request.user)
    return _back(request)
