from django.urls import path

from cases import attachment_views, party_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("on-the-spot/", views.case_settle_on_spot, name="on_the_spot"),
    path("escalations/", views.escalation_inbox, name="escalation_inbox"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/accept/", views.case_accept, name="accept"),
    path("<int:pk>/not-accept/", views.case_not_accept, name="not_accept"),
    path("<int:pk>/withdraw/", views.case_withdraw, name="withdraw"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("<int:pk>/grade/", views.case_change_grade, name="change_grade"),
    path("<int:pk>/escalate/", views.case_escalate, name="escalate"),
    path("<int:pk>/escalation/decide/", views.escalation_decide, name="decide_escalation"),
    path("<int:pk>/agreement/new/", views.agreement_create, name="agreement_create"),
    path("<int:pk>/agreement/sign/", views.agreement_sign, name="agreement_sign"),
    path("<int:pk>/agreement/update/", views.agreement_update, name="agreement_update"),
    path("<int:pk>/agreement/print/", views.agreement_print, name="agreement_print"),
    path("<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("<int:pk>/follow-ups/waive/", views.follow_up_waive, name="follow_up_waive"),
    path("<int:pk>/fail/", views.case_fail, name="fail"),
    path("<int:pk>/resolve-otherwise/", views.case_resolve_otherwise, name="resolve_otherwise"),
    path("<int:pk>/refusal/", views.case_record_refusal, name="refusal"),
    path("<int:pk>/close/", views.case_close, name="close"),
    path("<int:pk>/void/", views.case_void, name="void"),
    path("<int:pk>/extend-term/", views.case_extend_term, name="extend_term"),
    path("<int:pk>/petition/extend/", views.petition_extend, name="extend_petition"),
    path("parties/<int:pk>/reveal/<str:field>/", views.party_reveal, name="party_reveal"),
    path("<int:pk>/agents/new/", party_views.party_agent_add, name="party_agent_add"),
    path("<int:pk>/parties/import/", party_views.parties_import, name="parties_import"),
    path("<int:pk>/attachments/new/", attachment_views.attachment_upload, name="attachment_upload"),
    path(
        "attachments/<int:pk>/download/",
        attachment_views.attachment_download,
        name="attachment_download",
    ),
    path("attachments/<int:pk>/void/", attachment_views.attachment_void, name="attachment_void"),
]
