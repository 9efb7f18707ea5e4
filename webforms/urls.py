from django.urls import path

from webforms import views

app_name = "webforms"

urlpatterns = [
    path("forms/<str:key>/", views.form_page, name="page"),
    path("forms/<str:key>/submit", views.form_submit, name="submit"),
]
