"""Audit-trail attribution for every face, pages and API alike."""
from auditlog.middleware import AuditlogMiddleware


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
