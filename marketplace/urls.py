from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.admin_access import protect_admin_site
from marketplace import views

# Admin login goes through allauth (rate limits, MFA stage); staff need MFA to use it.
protect_admin_site(admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("jobs.urls")),
    path("", include("bids.urls")),
    path("", include("contracts.urls")),
    path("", include("notifications.urls")),
    path("", include("moderation.urls")),
    path("", include("directory.urls")),
    path("", include("payments.urls")),
    path("", include("webhooks.urls")),
    path("", include("api.urls")),
]

if settings.BENCHMARK_VIEWS:
    urlpatterns.append(path("", include("demo.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
