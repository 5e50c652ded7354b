from django.urls import path

from .views import bulletin as bulletin_views
from .views import catalog as catalog_views
from .views import governance as governance_views
from .views import objections as objection_views
from .views import obligations as obligation_views
from .views import records as record_views
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
        "obligations/export.<str:format>",
        obligation_views.obligation_export_view,
        name="obligation_export",
    ),
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
    path(
        "received/export.<str:format>",
        submission_views.received_export_view,
        name="received_export",
    ),
]
# Grants, agreements, coordination, records and objections (Art. 19–24)
urlpatterns += [
    path("items/<int:item_pk>/purpose/", governance_views.purpose_view, name="purpose"),
    path(
        "items/<int:item_pk>/grants/apply/", governance_views.grant_apply_view, name="grant_apply"
    ),
    path("items/<int:item_pk>/unmask/", governance_views.unmask_manage_view, name="unmask_manage"),
    path("grants/", governance_views.grant_list_view, name="grant_list"),
    path("grants/export.<str:format>", governance_views.grant_export_view, name="grant_export"),
    path("grants/<int:pk>/", governance_views.grant_detail_view, name="grant_detail"),
    path(
        "grants/<int:pk>/decide/<str:level>/",
        governance_views.grant_decide_view,
        name="grant_decide",
    ),
    path("grants/<int:pk>/revoke/", governance_views.grant_revoke_view, name="grant_revoke"),
    path("agreements/", governance_views.agreement_list_view, name="agreement_list"),
    path(
        "agreements/export.<str:format>",
        governance_views.agreement_export_view,
        name="agreement_export",
    ),
    path("agreements/new/", governance_views.agreement_create_view, name="agreement_create"),
    path("agreements/<int:pk>/", governance_views.agreement_detail_view, name="agreement_detail"),
    path(
        "agreements/<int:pk>/<str:step>/",
        governance_views.agreement_action_view,
        name="agreement_action",
    ),
    path(
        "submissions/<int:pk>/records/",
        record_views.submission_records_view,
        name="submission_records",
    ),
    path(
        "submissions/<int:pk>/objections/new/",
        objection_views.objection_raise_view,
        name="objection_raise",
    ),
    path("bulletin/", bulletin_views.bulletin_view, name="bulletin"),
    path("bulletin/print/", bulletin_views.bulletin_print_view, name="bulletin_print"),
    path("bulletin/publish/", bulletin_views.bulletin_publish_view, name="bulletin_publish"),
    path("bulletin.xlsx", bulletin_views.bulletin_xlsx_view, name="bulletin_xlsx"),
    path("bulletin.docx", bulletin_views.bulletin_docx_view, name="bulletin_docx"),
    path("objections/", objection_views.objection_list_view, name="objection_list"),
    path(
        "objections/export.<str:format>",
        objection_views.objection_export_view,
        name="objection_export",
    ),
    path("objections/<int:pk>/", objection_views.objection_detail_view, name="objection_detail"),
    path(
        "objections/<int:pk>/<str:step>/",
        objection_views.objection_action_view,
        name="objection_action",
    ),
    path("coordination/", governance_views.coordination_list_view, name="coordination_list"),
    path(
        "coordination/export.<str:format>",
        governance_views.coordination_export_view,
        name="coordination_export",
    ),
    path(
        "coordination/new/", governance_views.coordination_create_view, name="coordination_create"
    ),
    path(
        "coordination/<int:pk>/",
        governance_views.coordination_detail_view,
        name="coordination_detail",
    ),
]
