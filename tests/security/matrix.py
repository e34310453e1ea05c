"""The permission matrix: what each persona gets from each URL pattern (GET).

Outcomes: ok (200), login (redirect to sign-in), redirect (elsewhere), or the status code
(404 for objects the persona may not see, 405 for POST-only actions).
Columns, in order: anonymous owner other_client bidding_va other_va hired_va invited_va staff
suspended. The invited VA was invited to the owner's invite-only task and bid on nothing.
Suspended users are signed out on their next request, so they get what anonymous visitors get.
Each row: URL name (with an optional [variant]) → (URL kwargs from the world, outcomes).
"""

PERSONAS = [
    "anonymous",
    "owner",
    "other_client",
    "bidding_va",
    "other_va",
    "hired_va",
    "invited_va",
    "staff",
    "suspended",
]

# Staff must have MFA (the staff persona has TOTP); everyone else is sent to sign in.
ADMIN_EXPECTED = {p: ("ok" if p == "staff" else "login") for p in PERSONAS}

# POST-only actions that act on the signed-in user's own things (no object of someone else's).
SELF_SCOPED_POSTS = {
    "set_language",
    "accounts:role_enable",
    "notifications:mark_all_read",
    "notifications:alert_from_profile",
    # Saving a VA or a task changes only the saver's own list (any client may save any
    # listed VA); what they may not see still answers 404 (tests/directory).
    "directory:job_save",
    "directory:job_unsave",
    "directory:va_save",
    "directory:va_unsave",
    # The payment providers' webhook (issue 17): no user at all; the signature decides, and
    # a bad one is refused with 400 and changes nothing (tests/payments/test_webhooks.py).
    "payments:webhook",
    # Withdrawing acts on the signed-in VA's own balance (refused with a message when empty).
    "payments:withdraw",
}

ROWS: dict[str, tuple[str, str]] = {
    "account_change_password": ("", "login ok ok ok ok ok ok ok login"),
    "account_confirm_email": ("key='bad-key'", "ok ok ok ok ok ok ok ok ok"),
    "account_confirm_login_code": (
        "",
        "login redirect redirect redirect redirect redirect redirect redirect login",
    ),
    "account_confirm_reauthentication_code": (
        "",
        "login redirect redirect redirect redirect redirect redirect redirect login",
    ),
    "account_email": ("", "login ok ok ok ok ok ok ok login"),
    "account_email_verification_sent": ("", "ok ok ok ok ok ok ok ok ok"),
    "account_inactive": ("", "ok ok ok ok ok ok ok ok ok"),
    "account_login": ("", "ok redirect redirect redirect redirect redirect redirect redirect ok"),
    "account_logout": ("", "redirect ok ok ok ok ok ok ok redirect"),
    "account_reauthenticate": ("", "login ok ok ok ok ok ok ok login"),
    "account_request_reauthentication_code": ("", "login ok ok ok ok ok ok ok login"),
    "account_reset_password": ("", "ok ok ok ok ok ok ok ok ok"),
    "account_reset_password_done": ("", "ok ok ok ok ok ok ok ok ok"),
    "account_reset_password_from_key": ("uidb36='0',key='bad-key'", "ok ok ok ok ok ok ok ok ok"),
    "account_reset_password_from_key_done": ("", "ok ok ok ok ok ok ok ok ok"),
    "account_set_password": (
        "",
        "login redirect redirect redirect redirect redirect redirect redirect login",
    ),
    "account_signup": ("", "ok redirect redirect redirect redirect redirect redirect redirect ok"),
    "accounts:edit": ("", "login ok ok ok ok ok ok ok login"),
    "accounts:portfolio_create": ("", "login redirect redirect ok ok ok ok redirect login"),
    "accounts:portfolio_delete": ("pk=portfolio", "405 405 405 405 405 405 405 405 405"),
    "accounts:portfolio_edit": ("pk=portfolio", "login 404 404 ok 404 404 404 404 login"),
    "accounts:portfolio_file": ("pk=portfolio", "login 404 404 ok 404 404 404 ok login"),
    # Public, like the VA's page: only pictures their VA chose to show.
    "accounts:portfolio_preview": ("va_id=bidding_va,pk=preview", "ok ok ok ok ok ok ok ok ok"),
    "accounts:portfolio_preview[not shown]": (
        "va_id=bidding_va,pk=portfolio",
        "404 404 404 404 404 404 404 404 404",
    ),
    "accounts:profile": ("", "login ok ok ok ok ok ok ok login"),
    "accounts:role_enable": ("", "405 405 405 405 405 405 405 405 405"),
    "accounts:va_public": ("pk=bidding_va", "ok ok ok ok ok ok ok ok ok"),
    "accounts:va_public[client]": ("pk=owner", "404 404 404 404 404 404 404 404 404"),
    "bids:hire": ("pk=bid", "405 405 405 405 405 405 405 405 405"),
    "bids:interview": ("pk=interview", "404 ok 404 ok 404 404 404 ok 404"),
    "bids:interview_cancel": ("pk=interview", "405 405 405 405 405 405 405 405 405"),
    "bids:interview_confirm": ("pk=interview", "405 405 405 405 405 405 405 405 405"),
    "bids:interview_decline": ("pk=interview", "405 405 405 405 405 405 405 405 405"),
    "bids:interview_ics": ("pk=interview", "404 ok 404 ok 404 404 404 ok 404"),
    "bids:interview_propose": ("pk=bid", "login ok 404 404 404 404 404 404 login"),
    "bids:interview_reschedule": ("pk=interview", "login ok 404 ok 404 404 404 404 login"),
    "bids:mine": ("", "login ok ok ok ok ok ok ok login"),
    "bids:reject": ("pk=bid", "405 405 405 405 405 405 405 405 405"),
    "bids:review": ("job_id=job", "404 ok 404 404 404 404 404 ok 404"),
    "bids:sample": ("pk=sample", "404 ok 404 ok 404 404 404 ok 404"),
    "bids:sample_thumbnail": ("pk=sample", "404 ok 404 ok 404 404 404 ok 404"),
    "bids:shortlist": ("pk=bid", "405 405 405 405 405 405 405 405 405"),
    "bids:submit[invite_only]": ("job_id=invite_only", "login ok 404 404 404 404 ok ok login"),
    "bids:submit": ("job_id=job", "login ok ok ok ok ok ok ok login"),
    "bids:unshortlist": ("pk=bid", "405 405 405 405 405 405 405 405 405"),
    "bids:withdraw": ("job_id=job", "405 405 405 405 405 405 405 405 405"),
    "contracts:complete": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "contracts:deliverable_approve": (
        "pk=contract,deliverable_id=deliverable",
        "405 405 405 405 405 405 405 405 405",
    ),
    "contracts:deliverable_changes": (
        "pk=contract,deliverable_id=deliverable",
        "405 405 405 405 405 405 405 405 405",
    ),
    "contracts:deliverable_file": (
        "pk=contract,file_id=deliverable_file",
        "404 ok 404 404 404 ok 404 ok 404",
    ),
    "contracts:deliverable_paid": (
        "pk=contract,deliverable_id=deliverable",
        "405 405 405 405 405 405 405 405 405",
    ),
    "contracts:deliverable_submit": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "contracts:end": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "contracts:hours_delete": (
        "pk=contract,entry_id='999999'",
        "405 405 405 405 405 405 405 405 405",
    ),
    "contracts:hours_log": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "contracts:list": ("", "login ok ok ok ok ok ok ok login"),
    "contracts:message_file": (
        "pk=contract,file_id=message_file",
        "404 ok 404 404 404 ok 404 ok 404",
    ),
    "contracts:message_send": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "contracts:payment_confirm": (
        "pk=contract,payment_id='999999'",
        "405 405 405 405 405 405 405 405 405",
    ),
    "contracts:review": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "contracts:statement": ("pk=contract", "404 ok 404 404 404 ok 404 ok 404"),
    "contracts:week_approve": ("pk=contract,week=monday", "405 405 405 405 405 405 405 405 405"),
    "contracts:week_dispute": ("pk=contract,week=monday", "405 405 405 405 405 405 405 405 405"),
    "contracts:week_paid": ("pk=contract,week=monday", "405 405 405 405 405 405 405 405 405"),
    "contracts:workspace": ("pk=contract", "404 ok 404 404 404 ok 404 ok 404"),
    "directory:job_save": ("pk=job", "405 405 405 405 405 405 405 405 405"),
    "directory:job_unsave": ("pk=job", "405 405 405 405 405 405 405 405 405"),
    "directory:saved": ("", "login ok ok ok ok ok ok ok login"),
    "directory:va_save": ("pk=bidding_va", "405 405 405 405 405 405 405 405 405"),
    "directory:va_unsave": ("pk=bidding_va", "405 405 405 405 405 405 405 405 405"),
    "directory:vas": ("", "ok ok ok ok ok ok ok ok ok"),
    "healthz": ("", "ok ok ok ok ok ok ok ok ok"),
    "home": ("", "ok ok ok ok ok ok ok ok ok"),
    "jobs:attachment": ("pk=job,attachment_id=attachment", "404 ok 404 404 404 404 404 ok 404"),
    "jobs:attachment[hired]": (
        "pk=hired_job,attachment_id=hired_attachment",
        "404 ok 404 404 404 ok 404 ok 404",
    ),
    "jobs:attachment[invite_only]": (
        "pk=invite_only,attachment_id=invite_only_attachment",
        "404 ok 404 404 404 404 404 ok 404",
    ),
    "jobs:attachment_delete": (
        "pk=job,attachment_id=attachment",
        "405 405 405 405 405 405 405 405 405",
    ),
    "jobs:attachment_upload": ("pk=job", "405 405 405 405 405 405 405 405 405"),
    "jobs:board": ("", "ok ok ok ok ok ok ok ok ok"),
    "jobs:cancel": ("pk=job", "405 405 405 405 405 405 405 405 405"),
    "jobs:close": ("pk=job", "405 405 405 405 405 405 405 405 405"),
    "jobs:complete": ("pk=hired_job", "405 405 405 405 405 405 405 405 405"),
    "jobs:create": ("", "login ok ok ok ok ok ok ok login"),
    "jobs:detail": ("pk=job", "ok ok ok ok ok ok ok ok ok"),
    "jobs:detail[draft]": ("pk=draft", "404 ok 404 404 404 404 404 ok 404"),
    "jobs:detail[invite_only]": ("pk=invite_only", "404 ok 404 404 404 404 ok ok 404"),
    "jobs:edit": ("pk=job", "login ok 404 404 404 404 404 ok login"),
    "jobs:invitation_accept": ("pk=invitation", "405 405 405 405 405 405 405 405 405"),
    "jobs:invitation_decline": ("pk=invitation", "login 404 404 404 404 404 ok 404 login"),
    "jobs:invitations": ("", "login ok ok ok ok ok ok ok login"),
    "jobs:invite": ("va_id=other_va", "login ok ok ok ok ok ok ok login"),
    "jobs:invite[client]": ("va_id=owner", "login 404 404 404 404 404 404 404 login"),
    "jobs:manual": ("pk=job", "login ok 404 404 404 404 404 ok login"),
    "jobs:mine": ("", "login ok ok ok ok ok ok ok login"),
    "jobs:preview": ("pk=draft", "login ok 404 404 404 404 404 ok login"),
    "jobs:publish": ("pk=draft", "405 405 405 405 405 405 405 405 405"),
    "jobs:reopen": ("pk=job", "405 405 405 405 405 405 405 405 405"),
    "mfa_activate_totp": (
        "",
        "login redirect redirect redirect redirect redirect redirect redirect login",
    ),
    "mfa_authenticate": (
        "",
        "login redirect redirect redirect redirect redirect redirect redirect login",
    ),
    "mfa_deactivate_totp": ("", "login 404 404 404 404 404 404 redirect login"),
    "mfa_download_recovery_codes": ("", "login 404 404 404 404 404 404 404 login"),
    "mfa_generate_recovery_codes": (
        "",
        "login redirect redirect redirect redirect redirect redirect redirect login",
    ),
    "mfa_index": ("", "login ok ok ok ok ok ok ok login"),
    "mfa_reauthenticate": (
        "",
        "login redirect redirect redirect redirect redirect redirect ok login",
    ),
    "mfa_view_recovery_codes": ("", "login 404 404 404 404 404 404 404 login"),
    "moderation:report_bid": ("pk=bid", "login ok 404 404 404 404 404 404 login"),
    "moderation:report_job": ("pk=job", "login 404 ok ok ok ok ok ok login"),
    "moderation:report_job[invite_only]": (
        "pk=invite_only",
        "login 404 404 404 404 404 ok ok login",
    ),
    "moderation:report_message": ("pk=message", "login ok 404 404 404 404 404 404 login"),
    "moderation:report_user": ("pk=bidding_va", "login ok ok 404 ok ok ok ok login"),
    "notifications:alert_create": ("", "login 404 404 ok ok ok ok 404 login"),
    "notifications:alert_delete": ("pk=alert", "405 405 405 405 405 405 405 405 405"),
    "notifications:alert_edit": ("pk=alert", "login 404 404 ok 404 404 404 404 login"),
    "notifications:alert_from_profile": ("", "405 405 405 405 405 405 405 405 405"),
    "notifications:alert_toggle": ("pk=alert", "405 405 405 405 405 405 405 405 405"),
    "notifications:alerts": ("", "login ok ok ok ok ok ok ok login"),
    "notifications:centre": ("", "login ok ok ok ok ok ok ok login"),
    "notifications:mark_all_read": ("", "405 405 405 405 405 405 405 405 405"),
    "notifications:mark_read": ("pk=notification", "405 405 405 405 405 405 405 405 405"),
    "notifications:preferences": ("", "login ok ok ok ok ok ok ok login"),
    "notifications:unsubscribe": ("token='not-a-token'", "404 404 404 404 404 404 404 404 404"),
    "payments:balance": ("", "login ok ok ok ok ok ok ok login"),
    "payments:fund": ("pk=contract", "405 405 405 405 405 405 405 405 405"),
    "payments:milestone_approve": (
        "pk=contract,milestone_id='999999'",
        "405 405 405 405 405 405 405 405 405",
    ),
    "payments:milestone_fund": (
        "pk=contract,milestone_id='999999'",
        "405 405 405 405 405 405 405 405 405",
    ),
    "payments:milestones": ("pk=contract", "404 ok 404 404 404 404 404 ok 404"),
    "payments:sandbox_act": ("reference=checkout.reference", "405 405 405 405 405 405 405 405 405"),
    "payments:sandbox_checkout": (
        "reference=checkout.reference",
        "404 ok 404 404 404 404 404 ok 404",
    ),
    "payments:sandbox_payout": (
        "reference='00000000-0000-4000-8000-000000000000'",
        "404 404 404 404 404 404 404 404 404",
    ),
    "payments:sandbox_payout_act": (
        "reference='00000000-0000-4000-8000-000000000000'",
        "405 405 405 405 405 405 405 405 405",
    ),
    "payments:statement": ("pk=contract", "404 ok 404 404 404 ok 404 ok 404"),
    "payments:webhook": ("provider='sandbox'", "405 405 405 405 405 405 405 405 405"),
    "payments:withdraw": ("", "405 405 405 405 405 405 405 405 405"),
    "set_language": ("", "405 405 405 405 405 405 405 405 405"),
}
