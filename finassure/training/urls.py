"""URLs of training."""

from django.urls import path

from finassure.training import views

app_name = "training"

urlpatterns = [
    path("", views.my, name="my"),
    path("my/assignments/<int:pk>/complete/", views.assignment_complete, name="assignment_complete"),
    path("my/assignments/<int:pk>/start-exam/", views.exam_start, name="exam_start"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:pk>/certificate.pdf", views.attempt_certificate, name="attempt_certificate"),
    path("staff/", views.employee_list, name="employee_list"),
    path("staff/new/", views.employee_create, name="employee_create"),
    path("staff/import/", views.roster_import, name="roster_import"),
    path("staff/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("staff/import/<int:pk>/rejected.xlsx", views.import_rejected, name="import_rejected"),
    path("staff/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("staff/<int:pk>/deactivate/", views.employee_deactivate, name="employee_deactivate"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("banks/", views.bank_list, name="bank_list"),
    path("banks/new/", views.bank_create, name="bank_create"),
    path("banks/<int:pk>/", views.bank_detail, name="bank_detail"),
    path("banks/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path("exams/", views.exam_list, name="exam_list"),
    path("exams/new/", views.exam_create, name="exam_create"),
    path("exams/<int:pk>/", views.exam_detail, name="exam_detail"),
    path("scorecards/", views.scorecard_list, name="scorecard_list"),
]
