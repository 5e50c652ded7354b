from django.urls import path  # noqa: F401

from sharing_catalog.pages import urls as governance_urls

app_name = "sharing_catalog"
urlpatterns: list = []
urlpatterns += governance_urls.urlpatterns
