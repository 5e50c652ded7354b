from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationConfig(AppConfig):
    """Collaboration requests between the tax bureau and units (Art. 6, 7)."""

    name = "collaboration"
    verbose_name = _("协作事项")
