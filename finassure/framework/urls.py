"""URLs of the assurance framework (its dashboard is the home page, served by platform:home)."""

from django.urls import path

from finassure.framework import views

app_name = "framework"

urlpatterns = [
    path("snapshots/run/", views.snapshots_run, name="snapshots_run"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/tasks/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/target/", views.indicator_target, name="indicator_target"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/export/", views.action_export, name="action_export"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/<slug:step>/", views.action_step, name="action_step"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("budget/", views.budget, name="budget"),
    path("budget/new/", views.budget_line_edit, name="budget_line_create"),
    path("budget/<int:pk>/edit/", views.budget_line_edit, name="budget_line_edit"),
    path("accountability/new/", views.accountability_create, name="accountability_create"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/decisions/", views.meeting_decision, name="meeting_decision"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/<slug:step>/", views.assessment_step, name="assessment_step"),
    path("cost-benefit/", views.cost_benefit, name="cost_benefit"),
    path("cost-benefit/losses/new/", views.loss_create, name="loss_create"),
    path("raci/", views.raci, name="raci"),
    path("raci/<int:pk>/", views.raci_edit, name="raci_edit"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("reports/quarterly/", views.quarterly_report, name="quarterly_report"),
]
