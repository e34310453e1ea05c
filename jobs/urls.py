from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.board, name="board"),
    path("jobs/new/", views.create, name="create"),
    path("jobs/mine/", views.mine, name="mine"),
    path("jobs/<int:pk>/", views.detail, name="detail"),
    path("jobs/<int:pk>/preview/", views.preview, name="preview"),
    path("jobs/<int:pk>/edit/", views.edit, name="edit"),
    path("jobs/<int:pk>/manual/", views.manual, name="manual"),
    path("jobs/<int:pk>/manual/attachments/", views.attachment_upload, name="attachment_upload"),
    path("jobs/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "jobs/<int:pk>/attachments/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("jobs/<int:pk>/publish/", views.transition, {"action": "publish"}, name="publish"),
    path("jobs/<int:pk>/close/", views.transition, {"action": "close"}, name="close"),
    path("jobs/<int:pk>/reopen/", views.transition, {"action": "reopen"}, name="reopen"),
    path("jobs/<int:pk>/cancel/", views.transition, {"action": "cancel"}, name="cancel"),
    path("jobs/<int:pk>/complete/", views.transition, {"action": "complete"}, name="complete"),
    path("va/<int:va_id>/invite/", views.invite, name="invite"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/accept/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<int:pk>/decline/", views.invitation_decline, name="invitation_decline"),
]
