from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("my-work/team/", views.my_work_team, name="my-work-team"),
    path("search/", views.search, name="search"),
    path("dashboards/sales/", views.sales, name="sales"),
    path("dashboards/delivery/", views.delivery, name="delivery"),
]
