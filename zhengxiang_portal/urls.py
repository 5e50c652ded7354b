"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .health import healthz
from .security.views import PortalLoginView
from .views import home, session_check

# The apps' routers add no per-app root view and no ".json" suffix routes: the API's one index is
# its documentation, and the format comes from the Accept header.
api_patterns = [
    path("", RedirectView.as_view(pattern_name="api-docs"), name="api-root"),
    path("", include("agencies.api.urls")),
    path("", include("zhengxiang_portal.security.api.urls")),
    path("", include("sharing_catalog.api.urls")),
    path("", include("collaboration.api.urls")),
    path("", include("assessment.api.urls")),
    path("ledger/", include("zhengxiang_portal.ledger.api")),
]

urlpatterns = [
    path("", home, name="home"),
    # Login with lockout (axes) and the default-password guard (security app).
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", login_not_required(healthz), name="healthz"),
    path("session", session_check, name="session_check"),
    path("units/", include("agencies.urls")),
    path("catalog/", include("sharing_catalog.urls")),
    path("requests/", include("collaboration.urls")),
    path("assessment/", include("assessment.urls")),
    path("ledger/", include("zhengxiang_portal.ledger.urls")),
    path("inbox/", include("zhengxiang_portal.notifications.urls")),
    path("calendar/", include("zhengxiang_portal.deadlines.urls")),
    path("documents/", include("zhengxiang_portal.documents.urls")),
    path("security/", include("zhengxiang_portal.security.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include(api_patterns)),
]

# A database lost before any view runs (session or user loading in a middleware) -> 503 page.
handler500 = "zhengxiang_portal.views.server_error"
