from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [
    path("", views.schedule_list_view, name="schedule_list"),
    path("<int:year>/", views.schedule_detail_view, name="schedule_detail"),
]
