from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.centre, name="centre"),
    path("notifications/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("notifications/read-all/", views.mark_all_read, name="mark_all_read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/new/", views.alert_create, name="alert_create"),
    path("alerts/from-profile/", views.alert_from_profile, name="alert_from_profile"),
    path("alerts/<int:pk>/edit/", views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/toggle/", views.alert_toggle, name="alert_toggle"),
    path("alerts/<int:pk>/delete/", views.alert_delete, name="alert_delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
