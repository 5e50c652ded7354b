from django.urls import path

from .views import catalog as catalog_views
from .views import obligations as obligation_views
from .views import submissions as submission_views

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
    # submissions, receipts and downloads (Art. 22)
    path(
        "obligations/<int:pk>/submissions/",
        submission_views.obligation_submissions_view,
        name="obligation_submissions",
    ),
    path("submissions/diff/", submission_views.submission_diff_view, name="submission_diff"),
    path(
        "submissions/<int:pk>/", submission_views.submission_detail_view, name="submission_detail"
    ),
    path(
        "submissions/<int:pk>/status/",
        submission_views.submission_status_view,
        name="submission_status",
    ),
    path(
        "submissions/<int:pk>/confirm/",
        submission_views.submission_confirm_view,
        name="submission_confirm",
    ),
    path(
        "submissions/<int:pk>/receipt/",
        submission_views.submission_acknowledge_view,
        name="submission_acknowledge",
    ),
    path(
        "submissions/<int:pk>/download/<str:fmt>/",
        submission_views.submission_export_view,
        name="submission_export",
    ),
    path(
        "submissions/<int:pk>/marked/",
        submission_views.submission_marked_view,
        name="submission_marked",
    ),
    path(
        "submissions/<int:pk>/original/",
        submission_views.submission_original_view,
        name="submission_original",
    ),
    path("received/", submission_views.received_list_view, name="received_list"),
]
