from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("password/", views.password_change_view, name="password_change"),
    path("2fa/setup/", views.otp_setup_view, name="otp_setup"),
    path("2fa/verify/", views.otp_verify_view, name="otp_verify"),
    path("accounts/", views.account_list_view, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail_view, name="account_detail"),
    path("role-changes/", views.role_change_list_view, name="role_change_list"),
    path("role-changes/<int:pk>/decide/", views.role_change_decide_view, name="role_change_decide"),
    path("policies/", views.role_policy_view, name="role_policy"),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("audit/export.<str:fmt>", views.audit_export_view, name="audit_export"),
    path("audit/verify/", views.audit_verify_view, name="audit_verify"),
    path("access-log/", views.access_log_view, name="access_log"),
]
