from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from agencies.selectors import cycle_current
from surveys.selectors import surveys_open_public


def home(request):
    return render(request, "home.html", {"surveys": surveys_open_public(), "cycle": cycle_current()})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
