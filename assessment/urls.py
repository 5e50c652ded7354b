from django.urls import path

from .views import dashboard, orders, periods

app_name = "assessment"
urlpatterns = [
    path("", dashboard.dashboard_view, name="dashboard"),
    path("mine/", dashboard.my_unit_view, name="my_unit"),
    path("periods/", periods.period_list_view, name="period_list"),
    path("periods/<int:pk>/scheme/", periods.scheme_edit_view, name="scheme_edit"),
    path("periods/<int:pk>/recompute/", periods.period_recompute_view, name="period_recompute"),
    path("periods/<int:pk>/freeze/", periods.period_freeze_view, name="period_freeze"),
    path("periods/<int:pk>/report.xlsx", periods.report_view, name="report"),
    path(
        "periods/<int:period_pk>/units/<int:unit_pk>/",
        dashboard.unit_detail_view,
        name="unit_detail",
    ),
    path(
        "periods/<int:period_pk>/indicators/<int:indicator_pk>/",
        dashboard.indicator_detail_view,
        name="indicator_detail",
    ),
    path("scores/<int:pk>/", dashboard.score_detail_view, name="score_detail"),
    path("scores/<int:pk>/adjust/", dashboard.score_adjust_view, name="score_adjust"),
    path(
        "scores/<int:pk>/evidence/<int:index>/",
        dashboard.evidence_detail_view,
        name="evidence_detail",
    ),
    path("breaches/", periods.breach_list_view, name="breach_list"),
    path("orders/", orders.order_list_view, name="order_list"),
    path("orders/export.<str:format>", orders.order_export_view, name="order_export"),
    path("orders/new/", orders.order_create_view, name="order_create"),
    path("orders/<int:pk>/", orders.order_detail_view, name="order_detail"),
    path(
        "orders/<int:pk>/attachments/<int:attachment_pk>/",
        orders.order_attachment_view,
        name="order_attachment",
    ),
    path(
        "orders/<int:pk>/notice/issue/", orders.order_notice_issue_view, name="order_notice_issue"
    ),
    path("orders/<int:pk>/notice/", orders.order_notice_view, name="order_notice"),
    path("orders/<int:pk>/notice.docx", orders.order_notice_docx_view, name="order_notice_docx"),
]
