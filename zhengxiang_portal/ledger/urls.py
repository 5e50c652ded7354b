from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.ledger_list_view, name="entry_list"),
    path("export.<str:fmt>", views.ledger_export_view, name="export"),
    path("table.<str:fmt>", views.ledger_table_export_view, name="table_export"),
    path("access/", views.access_log_view, name="access_log"),
    path("access/export.<str:fmt>", views.access_log_export_view, name="access_export"),
    path("history/<str:type_label>/<str:pk>/", views.object_history_view, name="history"),
    path("digests/", views.digest_list_view, name="digest_list"),
    path("digests/<str:day>/", views.digest_print_view, name="digest_print"),
]
