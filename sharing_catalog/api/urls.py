from rest_framework.routers import SimpleRouter

from . import governance
from .catalog import CatalogItemViewSet
from .obligations import ObligationViewSet
from .submissions import SubmissionViewSet

router = SimpleRouter()
router.register("catalog-items", CatalogItemViewSet, basename="catalog-item")
router.register("obligations", ObligationViewSet, basename="obligation")
router.register("submissions", SubmissionViewSet, basename="submission")
governance.register(router)
urlpatterns = router.urls
