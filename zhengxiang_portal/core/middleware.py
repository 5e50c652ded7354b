"""Default-deny: every page needs a login unless its view is marked public."""

import logging
import time

from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework.views import APIView

from .errors import ApiErrorCode


class LoginRequiredMiddleware(_DjangoLoginRequired):
    """Django's login-required middleware, leaving API views to DRF's own authentication.

    API clients authenticate with a token, not a session, so a redirect to the login page would be
    wrong for them; DRF's default permission (IsAuthenticated) denies anonymous calls instead.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def is_database_unavailable(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


def database_unavailable_response(request):
    """The 503 page (or the API's error shape) for a lost database connection.

    Rendered without the request's context: the context processors would query the database.
    """

    logging.getLogger(__name__).error("database unavailable: %s", request.path)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": ApiErrorCode.DATABASE_UNAVAILABLE,
                    "message": "数据库暂时无法连接，本次操作未保存，请稍后重试。",
                    "details": {},
                }
            },
            status=503,
        )
    return HttpResponse(render_to_string("503.html"), status=503)


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection in a view into a clear 503 page instead of a stack trace.

    Every service runs in a transaction, so a connection dropped mid-request has written nothing;
    the page says so. API calls get the API's error shape. A database lost while a middleware
    loads the session or the user (before any view) reaches zhengxiang_portal.views.server_error,
    which answers the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        return database_unavailable_response(request)


class IdleSessionRenewalMiddleware:
    """Renew the idle window (SESSION_COOKIE_AGE) at most once a minute, not on every request.

    Saving the session on every request costs a database write per page; renewing once a minute
    keeps the 等保 idle timeout (a session ends SESSION_IDLE_SECONDS after the last activity, give
    or take this minute) at a fraction of the writes. Place it after SessionMiddleware.
    """

    RENEW_EVERY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - int(session.get("_idle_renewed_at", 0)) >= self.RENEW_EVERY_SECONDS:
                session["_idle_renewed_at"] = now  # marks it modified: saved with a new expiry
        return response
