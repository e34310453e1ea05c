from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("vas/", views.vas, name="vas"),
    path("saved/", views.saved, name="saved"),
    path("vas/<int:pk>/save/", views.va_save, name="va_save"),
    path("vas/<int:pk>/unsave/", views.va_unsave, name="va_unsave"),
    path("jobs/<int:pk>/save/", views.job_save, name="job_save"),
    path("jobs/<int:pk>/unsave/", views.job_unsave, name="job_unsave"),
]
