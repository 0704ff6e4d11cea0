import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_eval.settings")
application = get_wsgi_application()

from conduct_eval.warmup import warm_up  # noqa: E402 (after the application: Django is set up by then)

warm_up()  # the worker's one-off work now, rather than on someone's first request (conduct_eval/warmup.py)
