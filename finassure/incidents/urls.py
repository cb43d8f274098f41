"""URLs of incidents and emergencies."""

from django.urls import path

from finassure.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("export.xlsx", views.incident_export, name="export"),
    path("report/", views.incident_report, name="report"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/review/", views.review_detail, name="review"),
    path("<int:pk>/review/export.<slug:fmt>", views.review_export, name="review_export"),
    path("<int:pk>/review/<slug:action>/", views.review_action, name="review_action"),
    path("<int:pk>/<slug:action>/", views.incident_action, name="action"),
]
