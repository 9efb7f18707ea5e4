from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("inbox/", views.review_list, name="review-list"),
    path("inbox/<int:pk>/", views.email_detail, name="email-detail"),
    path("inbox/<int:pk>/discard/", views.email_discard, name="email-discard"),
    path("inbox/deals/lookup/", views.deal_lookup, name="deal-lookup"),
]
