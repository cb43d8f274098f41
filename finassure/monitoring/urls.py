"""URLs of risk monitoring, under /monitoring/."""

from django.urls import path

from finassure.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/export.xlsx", views.alert_export, name="alert_export"),
    path("alerts/close/", views.alert_bulk_close, name="alert_bulk_close"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert_assign"),
    path("alerts/<int:pk>/escalate/", views.alert_escalate, name="alert_escalate"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/transactions/", views.case_transactions, name="case_transactions"),
    path("cases/<int:pk>/graph.json", views.case_graph, name="case_graph"),
    path("cases/<int:pk>/attachments/", views.case_attachment_add, name="case_attachment_add"),
    path("cases/<int:pk>/attachments/<int:attachment_pk>/", views.case_attachment, name="case_attachment"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<slug:kind>/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<slug:kind>/<int:pk>/export.<slug:fmt>", views.report_export, name="report_export"),
    path("reports/<slug:kind>/<int:pk>/<slug:action>/", views.report_action, name="report_action"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/changes/", views.rule_change_propose, name="rule_change_propose"),
    path("rules/changes/<int:pk>/<slug:action>/", views.rule_change_decide, name="rule_change_decide"),
    path("models/", views.model_list, name="model_list"),
    path("models/register/", views.model_register, name="model_register"),
    path("models/<int:pk>/<slug:action>/", views.model_action, name="model_action"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run_retry"),
]
