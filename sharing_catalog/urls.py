from django.urls import path

from .views import catalog as catalog_views
from .views import obligations as obligation_views

app_name = "sharing_catalog"
urlpatterns = [
    # catalog (目录清单, Art. 20)
    path("", catalog_views.item_list_view, name="item_list"),
    path("new/", catalog_views.item_create_view, name="item_create"),
    path("export/dcat.jsonld", catalog_views.catalog_dcat_view, name="catalog_dcat"),
    path("export/catalog.xlsx", catalog_views.catalog_xlsx_view, name="catalog_xlsx"),
    path("<int:pk>/", catalog_views.item_detail_view, name="item_detail"),
    path("<int:pk>/edit/", catalog_views.item_edit_view, name="item_edit"),
    path("<int:pk>/schema/", catalog_views.item_schema_view, name="item_schema"),
    path(
        "<int:pk>/schema/<int:version>/publish/",
        catalog_views.schema_publish_view,
        name="schema_publish",
    ),
    path("<int:pk>/publish/", catalog_views.item_publish_view, name="item_publish"),
    path("<int:pk>/retire/", catalog_views.item_retire_view, name="item_retire"),
    path("<int:pk>/template.xlsx", catalog_views.item_template_view, name="item_template"),
    # obligations (报送任务)
    path("obligations/", obligation_views.obligation_list_view, name="obligation_list"),
    path(
        "obligations/<int:pk>/", obligation_views.obligation_detail_view, name="obligation_detail"
    ),
    path(
        "obligations/<int:pk>/template.xlsx",
        obligation_views.obligation_template_view,
        name="obligation_template",
    ),
]
