from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .selectors import notification_get, notification_list
from .services import notification_mark_read


def inbox(request):
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


def notification_open(request, pk: int):
    """Open one message: it is read now; go on to the object it is about (or back to the inbox).

    The inbox and the e-mail link both come through here, so reading a message either way
    clears it from the unread count.
    """
    notification = notification_get(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request):
    count = notification_mark_read(user=request.user)
    messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
    return redirect("notifications:inbox")
