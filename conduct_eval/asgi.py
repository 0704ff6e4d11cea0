# Serve with gunicorn (WSGI) in production: under ASGI Django drops persistent database
# connections, and a one-INSERT view fell from ~1,500 to ~300 req/s.
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_eval.settings")
application = get_asgi_application()
