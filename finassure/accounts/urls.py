"""URLs of organisation and access."""

from django.urls import path

from finassure.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_assign, name="role_assign"),
    path("users/<int:pk>/roles/<int:assignment_pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("users/<int:pk>/security/<slug:action>/", views.user_security, name="user_security"),
    path("users/<int:pk>/<slug:action>/", views.user_action, name="user_action"),
    path("org/", views.org_tree, name="org_tree"),
]
