"""URLs of the assurance framework."""

from django.urls import path

from finassure.framework import views

app_name = "framework"

urlpatterns = [
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
]
