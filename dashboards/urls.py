from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("search/", views.search, name="search"),
    path("dashboards/sales/", views.sales, name="sales"),
    path("dashboards/delivery/", views.delivery, name="delivery"),
]
