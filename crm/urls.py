from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/move/", views.pipeline_move, name="pipeline-move"),
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/new/", views.deal_create, name="deal-create"),
    path("deals/reassign/", views.deal_bulk_reassign, name="deal-bulk-reassign"),
    path("deals/<int:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal-edit"),
    path(
        "deals/<int:pk>/next-action/complete/",
        views.deal_complete_next_action,
        name="deal-complete-next-action",
    ),
    path("deals/<int:pk>/activities/", views.deal_activity_create, name="deal-activity-create"),
    path("deals/<int:pk>/transitions/<slug:name>/", views.deal_transition, name="deal-transition"),
    path("companies/", views.company_list, name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/check-domain/", views.company_check_domain, name="company-check-domain"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company-edit"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/check-email/", views.contact_check_email, name="contact-check-email"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    # The searchable pickers' suggestions.
    path("companies/lookup/", views.company_lookup, name="company-lookup"),
    path("contacts/lookup/", views.contact_lookup, name="contact-lookup"),
    path("deals/owners/lookup/", views.owner_lookup, name="owner-lookup"),
]
