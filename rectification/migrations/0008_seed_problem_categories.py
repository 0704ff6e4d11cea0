"""Seed the office's list of problem categories; the office edits the list in the admin afterwards."""
from django.db import migrations

CATEGORIES = [
    ("attitude", "服务态度"),
    ("efficiency", "办事效率"),
    ("policy", "政策落实"),
    ("integrity", "廉洁自律"),
    ("facilities", "环境设施"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    ProblemCategory = apps.get_model("rectification", "ProblemCategory")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        ProblemCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})


def unseed(apps, schema_editor):
    ProblemCategory = apps.get_model("rectification", "ProblemCategory")
    ProblemCategory.objects.filter(code__in=[code for code, _name in CATEGORIES], tags__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [("rectification", "0007_problem_categories")]

    operations = [migrations.RunPython(seed, unseed)]
