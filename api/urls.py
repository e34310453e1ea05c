from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import contracts.urls  # noqa: F401 (registers the `isodate` converter the weeks use)
from api import money, pages, views

app_name = "api"

v1 = "api/v1/"
urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),
    path(v1, views.Root.as_view(), name="root"),
    path(f"{v1}categories/", views.CategoryList.as_view(), name="categories"),
    path(f"{v1}skills/", views.SkillList.as_view(), name="skills"),
    path(f"{v1}jobs/", views.Board.as_view(), name="jobs"),
    path(f"{v1}jobs/<int:pk>/", views.JobDetail.as_view(), name="job"),
    path(f"{v1}jobs/<int:job_id>/bids/", views.JobBids.as_view(), name="job_bids"),
    path(f"{v1}my/jobs/", views.MyJobs.as_view(), name="my_jobs"),
    path(f"{v1}my/jobs/<int:pk>/", views.MyJob.as_view(), name="my_job"),
    path(f"{v1}my/jobs/<int:pk>/manual/", views.JobManual.as_view(), name="job_manual"),
    path(
        f"{v1}my/jobs/<int:pk>/publish/",
        views.JobTransition.as_view(action="publish"),
        name="job_publish",
    ),
    path(
        f"{v1}my/jobs/<int:pk>/close/",
        views.JobTransition.as_view(action="close"),
        name="job_close",
    ),
    path(
        f"{v1}jobs/<int:pk>/attachments/",
        views.JobAttachments.as_view(),
        name="job_attachments",
    ),
    path(
        f"{v1}jobs/<int:pk>/attachments/<int:attachment_id>/",
        views.JobAttachmentDetail.as_view(),
        name="job_attachment",
    ),
    path(f"{v1}my/bids/", views.MyBids.as_view(), name="my_bids"),
    path(f"{v1}bids/<int:pk>/", views.BidDetail.as_view(), name="bid"),
    path(f"{v1}bids/<int:pk>/withdraw/", views.BidWithdraw.as_view(), name="bid_withdraw"),
    path(
        f"{v1}bids/<int:pk>/shortlist/",
        views.BidDecision.as_view(decision="shortlist"),
        name="bid_shortlist",
    ),
    path(
        f"{v1}bids/<int:pk>/reject/",
        views.BidDecision.as_view(decision="reject"),
        name="bid_reject",
    ),
    path(
        f"{v1}bids/<int:pk>/unshortlist/",
        views.BidDecision.as_view(decision="unshortlist"),
        name="bid_unshortlist",
    ),
    path(f"{v1}bids/<int:pk>/hire/", views.BidDecision.as_view(decision="hire"), name="bid_hire"),
    path(f"{v1}bids/<int:pk>/interviews/", views.BidInterviews.as_view(), name="bid_interviews"),
    path(f"{v1}interviews/", views.InterviewList.as_view(), name="interviews"),
    path(f"{v1}interviews/<int:pk>/", views.InterviewDetail.as_view(), name="interview"),
    path(
        f"{v1}interviews/<int:pk>/confirm/",
        views.interview_action("confirm"),
        name="interview_confirm",
    ),
    path(
        f"{v1}interviews/<int:pk>/decline/",
        views.interview_action("decline"),
        name="interview_decline",
    ),
    path(
        f"{v1}interviews/<int:pk>/reschedule/",
        views.interview_action("reschedule"),
        name="interview_reschedule",
    ),
    path(
        f"{v1}interviews/<int:pk>/cancel/",
        views.interview_action("cancel"),
        name="interview_cancel",
    ),
    path(f"{v1}samples/<uuid:pk>/", views.SampleFile.as_view(), name="sample"),
    path(f"{v1}contracts/", views.ContractList.as_view(), name="contracts"),
    path(f"{v1}contracts/<int:pk>/", views.ContractDetail.as_view(), name="contract"),
    path(f"{v1}contracts/<int:pk>/messages/", views.ContractMessages.as_view(), name="messages"),
    path(
        f"{v1}contracts/<int:pk>/deliverables/",
        views.ContractDeliverables.as_view(),
        name="deliverables",
    ),
    path(
        f"{v1}contracts/<int:pk>/deliverables/<int:deliverable_id>/approve/",
        views.deliverable_decision("approve"),
        name="deliverable_approve",
    ),
    path(
        f"{v1}contracts/<int:pk>/deliverables/<int:deliverable_id>/changes/",
        views.deliverable_decision("changes"),
        name="deliverable_changes",
    ),
    path(f"{v1}contracts/<int:pk>/hours/", views.ContractHours.as_view(), name="hours"),
    path(
        f"{v1}contracts/<int:pk>/hours/<int:entry_id>/",
        views.HourEntryDetail.as_view(),
        name="hour_entry",
    ),
    path(f"{v1}contracts/<int:pk>/weeks/", views.ContractWeeks.as_view(), name="weeks"),
    path(
        f"{v1}contracts/<int:pk>/weeks/<isodate:week>/approve/",
        views.week_decision("approve"),
        name="week_approve",
    ),
    path(
        f"{v1}contracts/<int:pk>/weeks/<isodate:week>/dispute/",
        views.week_decision("dispute"),
        name="week_dispute",
    ),
    path(f"{v1}contracts/<int:pk>/complete/", views.contract_close("complete"), name="complete"),
    path(f"{v1}contracts/<int:pk>/end/", views.contract_close("end"), name="end"),
    path(f"{v1}contracts/<int:pk>/reviews/", views.ContractReviews.as_view(), name="reviews"),
    path(f"{v1}contracts/<int:pk>/statement/", views.ContractStatement.as_view(), name="statement"),
    path(f"{v1}contracts/<int:pk>/fund/", money.ContractFund.as_view(), name="contract_fund"),
    path(
        f"{v1}contracts/<int:pk>/milestones/",
        money.ContractMilestones.as_view(),
        name="milestones",
    ),
    path(
        f"{v1}contracts/<int:pk>/milestones/<int:milestone_id>/approve/",
        money.MilestoneApprove.as_view(),
        name="milestone_approve",
    ),
    path(f"{v1}contracts/<int:pk>/disputes/", money.ContractDisputes.as_view(), name="disputes"),
    path(f"{v1}balance/", views.Balance.as_view(), name="balance"),
    path(f"{v1}withdrawals/", money.Withdrawals.as_view(), name="withdrawals"),
    path(f"{v1}notifications/", views.NotificationList.as_view(), name="notifications"),
    path(
        f"{v1}notifications/<int:pk>/read/",
        views.NotificationRead.as_view(),
        name="notification_read",
    ),
    path(f"{v1}webhooks/", views.WebhookEndpoints.as_view(), name="webhooks"),
    path(f"{v1}webhooks/<int:pk>/", views.WebhookEndpointDetail.as_view(), name="webhook"),
    path(f"{v1}me/", views.Me.as_view(), name="me"),
    # The profile's token page (server-rendered, session only).
    path("profile/tokens/", pages.tokens, name="tokens"),
    path("profile/tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    # Last: any other /api/ path is a JSON 404 too, not the HTML page.
    re_path(r"^api/", views.NoSuchEndpoint.as_view(), name="no_such_endpoint"),
]
