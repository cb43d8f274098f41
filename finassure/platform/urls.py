"""URLs of the shell and the audit trail."""

from django.urls import path

from finassure.platform import views

app_name = "platform"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("calendar/", views.business_calendar, name="business_calendar"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
]
