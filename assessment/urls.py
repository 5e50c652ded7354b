from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("mine/", views.my_unit_view, name="my_unit"),
    path("periods/", views.period_list_view, name="period_list"),
    path("periods/<int:pk>/scheme/", views.scheme_edit_view, name="scheme_edit"),
    path("periods/<int:pk>/recompute/", views.period_recompute_view, name="period_recompute"),
    path("periods/<int:pk>/freeze/", views.period_freeze_view, name="period_freeze"),
    path("periods/<int:pk>/report.xlsx", views.report_view, name="report"),
    path(
        "periods/<int:period_pk>/units/<int:unit_pk>/",
        views.unit_detail_view,
        name="unit_detail",
    ),
    path(
        "periods/<int:period_pk>/indicators/<int:indicator_pk>/",
        views.indicator_detail_view,
        name="indicator_detail",
    ),
    path("scores/<int:pk>/", views.score_detail_view, name="score_detail"),
    path("scores/<int:pk>/adjust/", views.score_adjust_view, name="score_adjust"),
    path(
        "scores/<int:pk>/evidence/<int:index>/",
        views.evidence_detail_view,
        name="evidence_detail",
    ),
    path("breaches/", views.breach_list_view, name="breach_list"),
    path("orders/", views.order_list_view, name="order_list"),
    path("orders/export.<str:format>", views.order_export_view, name="order_export"),
    path("orders/new/", views.order_create_view, name="order_create"),
    path("orders/<int:pk>/", views.order_detail_view, name="order_detail"),
    path(
        "orders/<int:pk>/attachments/<int:attachment_pk>/",
        views.order_attachment_view,
        name="order_attachment",
    ),
    path("orders/<int:pk>/notice/issue/", views.order_notice_issue_view, name="order_notice_issue"),
    path("orders/<int:pk>/notice/", views.order_notice_view, name="order_notice"),
    path("orders/<int:pk>/notice.docx", views.order_notice_docx_view, name="order_notice_docx"),
]
