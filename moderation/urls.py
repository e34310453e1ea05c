from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("jobs/<int:pk>/report/", views.report_job, name="report_job"),
    path("bids/<int:pk>/report/", views.report_bid, name="report_bid"),
    path("va/<int:pk>/report/", views.report_user, name="report_user"),
    path("messages/<int:pk>/report/", views.report_message, name="report_message"),
]
