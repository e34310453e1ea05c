from django.urls import path, register_converter

from contracts import views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        from datetime import date

        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(value) from exc

    def to_url(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "contracts"

urlpatterns = [
    path("contracts/", views.contract_list, name="list"),
    path("contracts/<int:pk>/", views.workspace, name="workspace"),
    path("contracts/<int:pk>/statement/", views.statement, name="statement"),
    path("contracts/<int:pk>/messages/", views.message_send, name="message_send"),
    path("contracts/<int:pk>/messages/seen/", views.message_seen, name="message_seen"),
    path(
        "contracts/<int:pk>/messages/files/<uuid:file_id>/", views.message_file, name="message_file"
    ),
    path("contracts/<int:pk>/deliverables/", views.deliverable_submit, name="deliverable_submit"),
    path(
        "contracts/<int:pk>/deliverables/files/<uuid:file_id>/",
        views.deliverable_file,
        name="deliverable_file",
    ),
    path(
        "contracts/<int:pk>/deliverables/<int:deliverable_id>/approve/",
        views.deliverable_approve,
        name="deliverable_approve",
    ),
    path(
        "contracts/<int:pk>/deliverables/<int:deliverable_id>/changes/",
        views.deliverable_request_changes,
        name="deliverable_changes",
    ),
    path(
        "contracts/<int:pk>/deliverables/<int:deliverable_id>/paid/",
        views.deliverable_mark_paid,
        name="deliverable_paid",
    ),
    path("contracts/<int:pk>/hours/", views.hours_log, name="hours_log"),
    path(
        "contracts/<int:pk>/hours/<int:entry_id>/delete/",
        views.hour_entry_delete,
        name="hours_delete",
    ),
    path(
        "contracts/<int:pk>/weeks/<isodate:week>/approve/",
        views.timesheet_approve,
        name="week_approve",
    ),
    path(
        "contracts/<int:pk>/weeks/<isodate:week>/dispute/",
        views.timesheet_dispute,
        name="week_dispute",
    ),
    path(
        "contracts/<int:pk>/weeks/<isodate:week>/paid/", views.timesheet_mark_paid, name="week_paid"
    ),
    path(
        "contracts/<int:pk>/payments/<int:payment_id>/confirm/",
        views.payment_confirm,
        name="payment_confirm",
    ),
    path("contracts/<int:pk>/complete/", views.contract_complete, name="complete"),
    path("contracts/<int:pk>/end/", views.contract_end, name="end"),
    path("contracts/<int:pk>/review/", views.review_leave, name="review"),
]
