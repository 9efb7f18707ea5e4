from django.urls import path

from calendars import views

app_name = "calendars"

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
