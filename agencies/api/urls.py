from rest_framework.routers import DefaultRouter

from .views import LiaisonViewSet, UnitViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("liaisons", LiaisonViewSet, basename="liaison")
urlpatterns = router.urls
