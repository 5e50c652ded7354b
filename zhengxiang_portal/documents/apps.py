from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Numbered official documents (文号) from the working group and units (Art. 6, 7, 28)."""

    name = "zhengxiang_portal.documents"
    label = "documents"
    verbose_name = _("公文")
