from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.edit, name="edit"),
    path("profile/roles/", views.role_enable, name="role_enable"),
    path("profile/portfolio/new/", views.portfolio_create, name="portfolio_create"),
    path("profile/portfolio/<int:pk>/edit/", views.portfolio_edit, name="portfolio_edit"),
    path("profile/portfolio/<int:pk>/delete/", views.portfolio_delete, name="portfolio_delete"),
    path("profile/portfolio/<int:pk>/file/", views.portfolio_file, name="portfolio_file"),
    path("va/<int:pk>/", views.va_public, name="va_public"),
    path(
        "va/<int:va_id>/work/<int:pk>/preview/",
        views.portfolio_preview,
        name="portfolio_preview",
    ),
]
