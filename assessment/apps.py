from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """Assessment periods, scores and rectification orders (Art. 25, 28)."""

    name = "assessment"
    verbose_name = _("考核评价")
