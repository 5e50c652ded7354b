from rest_framework.routers import SimpleRouter

from .submissions import SubmissionViewSet

router = SimpleRouter()
router.register("submissions", SubmissionViewSet, basename="submission")
urlpatterns: list = [*router.urls]
