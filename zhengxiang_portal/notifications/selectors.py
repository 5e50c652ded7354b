from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from agencies.models import User

from .models import Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's own inbox; nobody reads another user's messages."""
    return Notification.objects.filter(recipient=user)


def notification_get(*, user: User, pk: int) -> Notification | None:
    """One of the user's own messages (None for another user's: nobody reads those)."""
    return notification_list(user=user).filter(pk=pk).first()


def notification_unread_count(*, user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_pending_email_ids(*, limit: int = 500) -> list[int]:
    return list(
        Notification.objects.filter(email_state=Notification.EmailState.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
