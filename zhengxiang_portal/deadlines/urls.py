from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [
    path("", views.schedule_list_view, name="schedule_list"),
    path("<int:year>/", views.schedule_detail_view, name="schedule_detail"),
    path("overrides/", views.override_set_view, name="override_set"),
    path("overrides/<str:day>/delete/", views.override_delete_view, name="override_delete"),
]
