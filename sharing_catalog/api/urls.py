from rest_framework.routers import SimpleRouter

from . import governance
from .submissions import SubmissionViewSet

router = SimpleRouter()
router.register("submissions", SubmissionViewSet, basename="submission")
governance.register(router)
urlpatterns: list = [*router.urls]
