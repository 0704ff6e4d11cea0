"""Middleware of every face, pages and API alike: audit-trail attribution, refusing control characters."""
from auditlog.middleware import AuditlogMiddleware
from django.core.exceptions import BadRequest
from django.http import Http404, JsonResponse

from .parsers import BAD_CHARACTERS, BAD_CHARACTERS_MESSAGE


class _ActorOfRequest(dict):
    """auditlog's context, reading the actor when a log row is written rather than when the request arrives.

    The REST API authenticates inside the view (token or session, by DRF), after the middleware
    has run; DRF then sets the Django request's user. Reading it late attributes API changes too.
    """

    def __init__(self, request, **data):
        super().__init__(actor=None, **data)
        self._request = request

    def get(self, key, default=None):
        if key == "actor":
            return AuditlogMiddleware._get_actor(self._request)
        return super().get(key, default)


class AuditActorMiddleware(AuditlogMiddleware):
    def get_extra_data(self, request):
        data = super().get_extra_data(request)
        data.pop("actor", None)
        return _ActorOfRequest(request, **data)


class RefuseControlCharacters:
    """A control character (NUL, ESC, …) in the path is a 404, and in a page's query string a 400, before any view.

    No path or parameter of ours holds one, and PostgreSQL refuses NUL in a text value: a page that looks such a
    value up (`/public/?cycle=%00`) would answer 500. The API answers in its error format; its query parameters
    are checked where they are read (filter sets, `conduct_eval.parsers.query_param`), so that an operation that
    reads none keeps ignoring them, as its schema says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        if BAD_CHARACTERS.search(request.path_info):
            if api:
                return JsonResponse({"detail": "未找到。", "errors": {}}, status=404)
            raise Http404
        if not api and any(BAD_CHARACTERS.search(name) or any(BAD_CHARACTERS.search(v) for v in values)
                           for name, values in request.GET.lists()):
            raise BadRequest(BAD_CHARACTERS_MESSAGE)
        return self.get_response(request)
