from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("cases/<int:pk>/", views.case_history, name="case_history"),
]
