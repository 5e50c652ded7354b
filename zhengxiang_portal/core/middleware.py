"""Default-deny: every page needs a login unless its view is marked public."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from rest_framework.views import APIView


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
