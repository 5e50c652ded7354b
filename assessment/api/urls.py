from rest_framework.routers import SimpleRouter

from .views import OrderViewSet, PeriodViewSet, ScoreViewSet

router = SimpleRouter()
router.register("assessment/periods", PeriodViewSet, basename="assessment-period")
router.register("assessment/scores", ScoreViewSet, basename="assessment-score")
router.register("assessment/orders", OrderViewSet, basename="assessment-order")
urlpatterns = router.urls
