from django.urls import path

from . import views

app_name = "collaboration"
urlpatterns = [
    path("", views.request_list_view, name="request_list"),
    path("new/", views.request_create_view, name="request_create"),
    path("export.<str:format>", views.request_export_view, name="request_export"),
    path("new/assignees/", views.request_form_assignees_view, name="request_form_assignees"),
    path("new/deadline/", views.request_form_deadline_view, name="request_form_deadline"),
    path("oversight/", views.oversight_view, name="oversight"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("<int:pk>/", views.request_detail_view, name="request_detail"),
    path("<int:pk>/letter/issue/", views.request_letter_issue_view, name="letter_issue"),
    path("<int:pk>/letter/", views.request_letter_view, name="letter"),
    path("<int:pk>/letter.docx", views.request_letter_docx_view, name="letter_docx"),
    path("<int:pk>/<slug:action>/", views.request_action_view, name="request_action"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="attachment_download"),
]
