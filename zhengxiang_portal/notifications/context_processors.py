"""The unread count in the top bar of every page: one query, and only when a page shows it."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import notification_unread_count


def inbox(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: notification_unread_count(user=user))}
