from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/my_work.html", {})
