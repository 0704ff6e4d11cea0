"""What a web worker prepares before it takes its first request.

Django does most of its one-off work lazily, on the first request a process serves: it imports the URL
configuration (and with it every view module and the API schema generator), builds the reverse lookup
tables, loads the translation catalogues, imports the Redis client and compiles each template the first
time a page uses it. In a gunicorn worker that is a few hundred milliseconds, paid by whoever happens to
be first after every start, restart or worker recycle — on the dashboard about ten times its usual answer.

`warm_up()` does that work at boot, in conduct_eval.wsgi, before the worker accepts connections. Nothing
in it touches the database or the cache (both may still be starting); a template that does not compile
is left for its page to report as it always would.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import time

logger = logging.getLogger(__name__)


def warm_up() -> float:
    """Import the URLs, build their lookup tables, load the catalogues and compile the project's templates;
    returns the seconds it took."""
    from django.conf import settings
    from django.template import TemplateSyntaxError, engines
    from django.template.exceptions import TemplateDoesNotExist
    from django.urls import get_resolver
    from django.utils import translation

    started = time.perf_counter()
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 (the lookup tables are built on first access)
    with contextlib.suppress(ImportError):
        import redis  # noqa: F401 (the cache backend imports it on first use)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("排名")
    for engine in engines.all():
        for directory in getattr(engine, "dirs", ()):
            for path in sorted(directory.rglob("*.html")) if hasattr(directory, "rglob") else ():
                with contextlib.suppress(TemplateSyntaxError, TemplateDoesNotExist, UnicodeDecodeError):
                    engine.get_template(str(path.relative_to(directory)))
    # What is loaded by now (modules, the URL tables, the compiled templates: some 140,000 objects) lives as
    # long as the worker: out of the collector's sight, so that a full collection, which a request may trigger
    # at any time, walks only what requests made since (measured on the dashboard of 2,000 agencies: a full
    # collection took 140 ms before, the request's own time several times over).
    gc.freeze()
    seconds = time.perf_counter() - started
    logger.debug("worker warmed up in %.2f s", seconds)
    return seconds
