from django.urls import path

from .pages import urls as governance_urls
from .views import submissions as submission_views

app_name = "sharing_catalog"
urlpatterns: list = [
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
urlpatterns += governance_urls.urlpatterns
