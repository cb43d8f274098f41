"""URLs of information security."""

from django.urls import path

from finassure.security import views

app_name = "security"

urlpatterns = [
    path("scans/", views.scan_list, name="scan_list"),
    path("scans/import/", views.scan_import, name="scan_import"),
    path("scans/<int:pk>/", views.scan_detail, name="scan_detail"),
    path("vulnerabilities/", views.vulnerability_list, name="vulnerability_list"),
    path("vulnerabilities/export.xlsx", views.vulnerability_export, name="vulnerability_export"),
    path("vulnerabilities/<int:pk>/status/", views.vulnerability_status, name="vulnerability_status"),
    path("access-reviews/", views.access_review_list, name="access_review_list"),
    path("access-reviews/new/", views.access_review_create, name="access_review_create"),
    path("access-reviews/<int:pk>/", views.access_review_detail, name="access_review_detail"),
    path("access-reviews/<int:pk>/<slug:action>/", views.access_review_action, name="access_review_action"),
    path("backups/", views.backup_overview, name="backup_overview"),
    path("backups/policy/", views.backup_policy, name="backup_policy"),
    path("backups/restore-tests/<int:pk>/", views.restore_test_detail, name="restore_test_detail"),
]
