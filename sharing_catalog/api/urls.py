from rest_framework.routers import DefaultRouter

from .catalog import CatalogItemViewSet
from .obligations import ObligationViewSet

router = DefaultRouter()
router.register("catalog-items", CatalogItemViewSet, basename="catalog-item")
router.register("obligations", ObligationViewSet, basename="obligation")
urlpatterns = router.urls
