"""Pages that belong to the whole portal: the role-aware home page."""

from django.http import JsonResponse
from django.shortcuts import render

from .registry import home_panels_for


def home(request):
    """Show what is due for this user and their unit; each app contributes its panels."""
    return render(request, "home.html", {"panels": home_panels_for(request)})


def session_check(request):
    """Answer "ok" to a logged-in user: the cheapest page behind the full middleware stack.

    Load tests use it as the ceiling the real pages are compared with.
    """
    return JsonResponse({"ok": True, "user": request.user.get_username()})
