from rest_framework.routers import SimpleRouter

from . import governance

router = SimpleRouter()
governance.register(router)

urlpatterns: list = []
urlpatterns += router.urls
