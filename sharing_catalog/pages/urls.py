"""URLs of the issue-4 pages, appended to sharing_catalog.urls (namespace sharing_catalog)."""

from django.urls import path

from . import objections, records, views

urlpatterns = [
    path("items/<int:item_pk>/purpose/", views.purpose_view, name="purpose"),
    path("items/<int:item_pk>/grants/apply/", views.grant_apply_view, name="grant_apply"),
    path("items/<int:item_pk>/unmask/", views.unmask_manage_view, name="unmask_manage"),
    path("grants/", views.grant_list_view, name="grant_list"),
    path("grants/<int:pk>/", views.grant_detail_view, name="grant_detail"),
    path("grants/<int:pk>/decide/<str:level>/", views.grant_decide_view, name="grant_decide"),
    path("grants/<int:pk>/revoke/", views.grant_revoke_view, name="grant_revoke"),
    path("agreements/", views.agreement_list_view, name="agreement_list"),
    path("agreements/new/", views.agreement_create_view, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail_view, name="agreement_detail"),
    path("agreements/<int:pk>/<str:step>/", views.agreement_action_view, name="agreement_action"),
    path(
        "submissions/<int:pk>/records/", records.submission_records_view, name="submission_records"
    ),
    path(
        "submissions/<int:pk>/objections/new/",
        objections.objection_raise_view,
        name="objection_raise",
    ),
    path("objections/", objections.objection_list_view, name="objection_list"),
    path("objections/<int:pk>/", objections.objection_detail_view, name="objection_detail"),
    path(
        "objections/<int:pk>/<str:step>/",
        objections.objection_action_view,
        name="objection_action",
    ),
    path("coordination/", views.coordination_list_view, name="coordination_list"),
    path("coordination/new/", views.coordination_create_view, name="coordination_create"),
    path("coordination/<int:pk>/", views.coordination_detail_view, name="coordination_detail"),
]
