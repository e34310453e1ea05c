from django.urls import path

from bids import views

app_name = "bids"

urlpatterns = [
    path("jobs/<int:job_id>/bid/", views.bid_submit, name="submit"),
    path("jobs/<int:job_id>/bid/withdraw/", views.bid_withdraw, name="withdraw"),
    path("jobs/<int:job_id>/bids/", views.bid_review, name="review"),
    path("bids/", views.my_bids, name="mine"),
    path("bids/<int:pk>/shortlist/", views.bid_shortlist, name="shortlist"),
    path("bids/<int:pk>/unshortlist/", views.bid_unshortlist, name="unshortlist"),
    path("bids/<int:pk>/reject/", views.bid_reject, name="reject"),
    path("bids/<int:pk>/hire/", views.bid_hire, name="hire"),
    path("bids/<int:pk>/interview/", views.interview_propose, name="interview_propose"),
    path("samples/<uuid:pk>/", views.sample, name="sample"),
    path("samples/<uuid:pk>/thumbnail/", views.sample_thumbnail, name="sample_thumbnail"),
    path("interviews/<int:pk>/", views.interview_detail, name="interview"),
    path("interviews/<int:pk>/invite.ics", views.interview_invite, name="interview_ics"),
    path("interviews/<int:pk>/confirm/", views.interview_confirm, name="interview_confirm"),
    path("interviews/<int:pk>/decline/", views.interview_decline, name="interview_decline"),
    path(
        "interviews/<int:pk>/reschedule/",
        views.interview_reschedule,
        name="interview_reschedule",
    ),
    path("interviews/<int:pk>/cancel/", views.interview_cancel, name="interview_cancel"),
]
