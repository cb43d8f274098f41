"""URLs of customer service: staff pages under /service/, the customer portal under /portal/."""

from django.urls import path

from finassure.service import views

app_name = "service"

urlpatterns = [
    path("service/complaints/", views.complaint_list, name="complaint_list"),
    path("service/complaints/export.xlsx", views.complaint_export, name="complaint_export"),
    path("service/statistics/", views.complaint_statistics, name="complaint_statistics"),
    path("service/complaints/new/", views.complaint_create, name="complaint_create"),
    path("service/complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("service/complaints/<int:pk>/reveal/", views.complaint_reveal, name="complaint_reveal"),
    path("service/complaints/<int:pk>/attachments/", views.complaint_attach, name="complaint_attach"),
    path("service/attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("service/complaints/<int:pk>/<slug:action>/", views.complaint_action, name="complaint_action"),
    path("service/compensations/<int:pk>/<slug:action>/", views.compensation_action, name="compensation_action"),
    path("service/imports/", views.complaint_import, name="complaint_import"),
    path("service/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("service/imports/<int:pk>/rejected.xlsx", views.import_rejected, name="import_rejected"),
    path("service/faq/", views.faq_list, name="faq_list"),
    path("service/categories/", views.category_list, name="category_list"),
    path("service/routing/", views.routing_rule_list, name="routing_rule_list"),
    path("service/routing/<int:pk>/delete/", views.routing_rule_delete, name="routing_rule_delete"),
    path("service/classifier/retrain/", views.classifier_retrain, name="classifier_retrain"),
    path("portal/", views.portal_home, name="portal_home"),
    path("portal/faq/", views.portal_faq, name="portal_faq"),
    path("portal/faq/<int:pk>/vote/", views.portal_faq_vote, name="portal_faq_vote"),
    path("portal/status/", views.portal_status, name="portal_status"),
    path("portal/survey/<str:token>/", views.portal_survey, name="portal_survey"),
]
