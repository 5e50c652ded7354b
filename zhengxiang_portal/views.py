"""Pages that belong to the whole portal: the role-aware home page, the 500 handler.

Project-level like urls.py: it composes the apps (the home page names the user's roles), so it
sits above them, not in `core`, which every app imports."""

import sys

from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from agencies.roles import Role, user_roles

from .core.middleware import database_unavailable_response, is_database_unavailable
from .core.registry import home_panels_for


def home(request):
    """Show what is due for this user and their unit; each app contributes its panels."""
    held = user_roles(request.user)  # already read by the security gate: no query
    roles = [role.label for role in Role if role.value in held]
    return render(request, "home.html", {"panels": home_panels_for(request), "roles": roles})


def session_check(request):
    """Answer "ok" to a logged-in user: the cheapest page behind the full middleware stack.

    Load tests use it as the ceiling the real pages are compared with.
    """
    return JsonResponse({"ok": True, "user": request.user.get_username()})


def server_error(request):
    """handler500: a lost database (e.g. while the session loads) gets the 503 page, not a 500."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request)
