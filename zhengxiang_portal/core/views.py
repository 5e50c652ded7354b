"""Pages that belong to the whole portal: the role-aware home page."""

from django.shortcuts import render

from .registry import home_panels_for


def home(request):
    """Show what is due for this user and their unit; each app contributes its panels."""
    return render(request, "home.html", {"panels": home_panels_for(request)})
