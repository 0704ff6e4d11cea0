"""The survey POST's baseline: one INSERT of a response row of the same width, in the same server.

Parses the same JSON body, looks nothing up, checks nothing, stores one row (autocommit):
what a request costs through gunicorn and Django with the least possible work behind it.
The row is stored as a duplicate, so that it counts nowhere (rollups, scores).
"""
import json

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from agencies.scheme import DIMENSIONS
from surveys.models import Response, rating_column

_COLUMNS = ["survey_id", "agency_id", "channel", "status", "fingerprint", "submitted_at",
            *(rating_column(d) for d in DIMENSIONS)]
_SQL = (f"INSERT INTO {Response._meta.db_table} ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))})")


@csrf_exempt
def one_insert(request):
    body = json.loads(request.body)
    ratings = body.get("ratings", {})
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [int(body["survey_id"]), int(body["agency_id"]), "app", "duplicate",
                              f"bench-insert-{body.get('device', '')}", timezone.now(),
                              *(ratings.get(d) for d in DIMENSIONS)])
    return JsonResponse({"status": "valid", "receipt": None}, status=201)
