from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("payments/balance/", views.balance, name="balance"),
    path("payments/balance/withdraw/", views.withdraw, name="withdraw"),
    path("payments/balance/payout-details/", views.payout_method, name="payout_method"),
    path("payments/earnings/", views.earnings, name="earnings"),
    path("payments/receipts/<int:pk>/", views.receipt, name="receipt"),
    path("payments/sandbox/payouts/<uuid:reference>/", views.sandbox_payout, name="sandbox_payout"),
    path(
        "payments/sandbox/payouts/<uuid:reference>/act/",
        views.sandbox_payout_act,
        name="sandbox_payout_act",
    ),
    path("payments/contracts/<int:pk>/", views.statement, name="statement"),
    path("payments/contracts/<int:pk>/fund/", views.fund, name="fund"),
    path("payments/contracts/<int:pk>/milestones/", views.milestones, name="milestones"),
    path("payments/contracts/<int:pk>/weeks/pay/", views.week_pay, name="week_pay"),
    path("payments/contracts/<int:pk>/weeks/prefund/", views.week_prefund, name="week_prefund"),
    path(
        "payments/contracts/<int:pk>/milestones/<int:milestone_id>/fund/",
        views.fund,
        name="milestone_fund",
    ),
    path(
        "payments/contracts/<int:pk>/milestones/<int:milestone_id>/approve/",
        views.milestone_approve,
        name="milestone_approve",
    ),
    path("payments/contracts/<int:pk>/dispute/", views.dispute_open, name="dispute_open"),
    path(
        "payments/contracts/<int:pk>/disputes/files/<uuid:file_id>/",
        views.dispute_file,
        name="dispute_file",
    ),
    path("payments/sandbox/<uuid:reference>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("payments/sandbox/<uuid:reference>/act/", views.sandbox_act, name="sandbox_act"),
    path("payments/webhooks/<slug:provider>/", views.webhook, name="webhook"),
]
