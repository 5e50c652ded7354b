"""What the assessment pages share: the permission gate and 404 look-ups."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Period, Score


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("您没有权限访问此页面。"))


def period_or_404(pk: int) -> Period:
    try:
        return selectors.period_get(pk=pk)
    except Period.DoesNotExist as exc:
        raise Http404 from exc


def score_or_404(request, pk: int) -> Score:
    try:
        return selectors.score_get(user=request.user, pk=pk)
    except Score.DoesNotExist as exc:
        raise Http404 from exc


def digits(value: object) -> int | None:
    """A query parameter's whole number, or None when it is absent or not digits."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None
