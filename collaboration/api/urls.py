from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AttachmentDownloadView, CollaborationRequestViewSet, MatterTypeViewSet

router = SimpleRouter()
router.register("requests", CollaborationRequestViewSet, basename="collaboration-request")
router.register("matter-types", MatterTypeViewSet, basename="matter-type")
urlpatterns = [
    *router.urls,
    path(
        "request-attachments/<int:pk>/download/",
        AttachmentDownloadView.as_view(),
        name="collaboration-api-attachment-download",
    ),
]
