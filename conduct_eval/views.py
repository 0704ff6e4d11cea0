from django.shortcuts import render

from agencies.selectors import cycle_current
from surveys.selectors import surveys_open_public


def home(request):
    return render(request, "home.html", {"surveys": surveys_open_public(), "cycle": cycle_current()})

