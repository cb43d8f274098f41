"""URLs of incidents and emergencies."""

from django.urls import path

from finassure.incidents import settings_views, views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("export.xlsx", views.incident_export, name="export"),
    path("report/", views.incident_report, name="report"),
    path("efficiency/", views.efficiency, name="efficiency"),
    path("settings/", settings_views.settings_overview, name="settings"),
    path("settings/types/new/", settings_views.incident_type_edit, name="settings_type_create"),
    path("settings/types/<int:pk>/", settings_views.incident_type_edit, name="settings_type_edit"),
    path("settings/rules/new/", settings_views.reporting_rule_edit, name="settings_rule_create"),
    path("settings/rules/<int:pk>/", settings_views.reporting_rule_edit, name="settings_rule_edit"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/<slug:action>/", views.plan_action, name="plan_action"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/new/", views.drill_create, name="drill_create"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/<slug:action>/", views.drill_action, name="drill_action"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/review/", views.review_detail, name="review"),
    path("<int:pk>/review/export.<slug:fmt>", views.review_export, name="review_export"),
    path("<int:pk>/review/<slug:action>/", views.review_action, name="review_action"),
    path("<int:pk>/<slug:action>/", views.incident_action, name="action"),
]
