from django.urls import path

from handoff import views

app_name = "handoff"

urlpatterns = [
    path("deals/<int:pk>/handoff/", views.handoff_save, name="handoff-save"),
    path("deals/<int:pk>/handoff/panel/", views.handoff_panel, name="handoff-panel"),
    path("deals/<int:pk>/handoff/promise-check/", views.promise_check, name="promise-check"),
    path("deals/<int:pk>/win/", views.handoff_win, name="win"),
    path("handoff/delivery-leads/lookup/", views.delivery_lead_lookup, name="delivery-lead-lookup"),
]
