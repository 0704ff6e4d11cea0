from django.contrib import admin

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "cycle", "kind", "opens_at", "closes_at"]
    list_filter = ["kind", "cycle"]
    search_fields = ["slug", "title"]
