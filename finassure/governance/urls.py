"""URLs of governance."""

from django.urls import path

from finassure.governance import views

app_name = "governance"

urlpatterns = [
    path("processes/", views.process_list, name="process_list"),
    path("processes/new/", views.process_create, name="process_create"),
    path("processes/defaults/", views.process_seed, name="process_seed"),
    path("processes/import/", views.process_import, name="process_import"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("policies/<int:pk>/retire/", views.policy_retire, name="policy_retire"),
    path("policies/<int:pk>/review/", views.policy_review, name="policy_review"),
    path("versions/<int:pk>/diff/", views.version_diff, name="version_diff"),
    path("versions/<int:pk>/<slug:action>/", views.version_action, name="version_action"),
    path("coverage/", views.coverage, name="coverage"),
    path("attestations/", views.my_attestations, name="my_attestations"),
    path("attestations/<int:pk>/", views.attestation_read, name="attestation_read"),
    path("attestations/<int:pk>/confirm/", views.attestation_confirm, name="attestation_confirm"),
    path("positions/", views.position_list, name="position_list"),
    path("positions/new/", views.position_create, name="position_create"),
    path("positions/incompatible/", views.incompatible_create, name="incompatible_create"),
    path("regulations/", views.regulation_list, name="regulation_list"),
    path("regulations/<int:pk>/", views.regulation_detail, name="regulation_detail"),
    path("articles/<int:pk>/map/", views.article_map, name="article_map"),
    path("audits/", views.engagement_list, name="engagement_list"),
    path("audits/plans/new/", views.plan_create, name="plan_create"),
    path("audits/new/", views.engagement_create, name="engagement_create"),
    path("audits/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("audits/<int:pk>/findings/", views.finding_create, name="finding_create"),
    path("audits/<int:pk>/<slug:action>/", views.engagement_action, name="engagement_action"),
    path("risks/", views.risk_list, name="risk_list"),
    path("risks/new/", views.risk_create, name="risk_create"),
    path("risks/<int:pk>/", views.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/accept/", views.risk_accept, name="risk_accept"),
    path("risks/<int:pk>/kris/", views.kri_create, name="kri_create"),
    path("kris/<int:pk>/values/", views.kri_value, name="kri_value"),
    path("controls/", views.control_list, name="control_list"),
    path("controls/new/", views.control_create, name="control_create"),
    path("controls/<int:pk>/", views.control_detail, name="control_detail"),
    path("controls/<int:pk>/tests/", views.control_test, name="control_test"),
]
