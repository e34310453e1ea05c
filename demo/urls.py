from django.urls import path

from demo import views

app_name = "demo"

urlpatterns = [
    path("bench/ceiling/", views.ceiling, name="ceiling"),
    path("bench/layout/", views.layout, name="layout"),
]
