from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("search/", views.search, name="search"),
]
