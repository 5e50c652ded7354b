from rest_framework.routers import DefaultRouter

from .catalog import CatalogItemViewSet
from .obligations import ObligationViewSet
from .submissions import SubmissionViewSet

router = DefaultRouter()
router.register("catalog-items", CatalogItemViewSet, basename="catalog-item")
router.register("obligations", ObligationViewSet, basename="obligation")
router.register("submissions", SubmissionViewSet, basename="submission")
urlpatterns = router.urls
