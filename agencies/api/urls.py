from rest_framework.routers import SimpleRouter

from .views import LiaisonViewSet, UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("liaisons", LiaisonViewSet, basename="liaison")
urlpatterns = router.urls
