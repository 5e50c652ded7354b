"""Template helpers for an item page: the viewer's access to it (grants, unmask, coordination).

Usage on the catalog item page:
    {% load governance_tags %}{% item_access item as access %}
    {% include "sharing_catalog/includes/item_access.html" %}
"""

from __future__ import annotations

from django import template

from agencies.roles import is_working_group
from agencies.selectors import user_can_act_for
from sharing_catalog.models import AccessGrant, CatalogItem
from sharing_catalog.selectors.entitlements import reader_unit_ids, user_may_read_item
from sharing_catalog.services.masking import user_may_unmask

register = template.Library()


@register.simple_tag(takes_context=True)
def item_access(context, item: CatalogItem) -> dict:
    """What the current user may do about `item`: read, apply for a grant, unmask, coordinate."""
    user = context["request"].user
    is_provider = user_can_act_for(user=user, unit=item.provider)
    units = reader_unit_ids(user=user) - {item.provider_id}
    open_grant = (
        AccessGrant.objects.filter(
            item=item,
            consumer_id__in=units,
            status__in=[AccessGrant.Status.REQUESTED, AccessGrant.Status.APPROVED],
        ).first()
        if units
        else None
    )
    conditional = item.sharing_class == CatalogItem.SharingClass.CONDITIONAL
    return {
        "item": item,
        "may_read": user_may_read_item(user=user, item=item),
        "is_provider": is_provider,
        "open_grant": open_grant,
        "may_apply": conditional
        and bool(units)
        and open_grant is None
        and item.status == CatalogItem.Status.PUBLISHED,
        "may_unmask": user_may_unmask(user=user, item=item),
        "manages_unmask": is_provider or is_working_group(user),
        "may_coordinate": is_provider,
    }
