from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("profile/webhooks/", views.endpoints, name="endpoints"),
    path("profile/webhooks/<int:pk>/", views.endpoint, name="endpoint"),
    path("profile/webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("profile/webhooks/<int:pk>/enable/", views.endpoint_enable, name="endpoint_enable"),
    path("profile/webhooks/<int:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path(
        "profile/webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
