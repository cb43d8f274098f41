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
]
