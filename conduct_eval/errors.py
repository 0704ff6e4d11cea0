"""Domain errors that services raise and both faces (pages, API) translate."""


class ConflictError(Exception):
    """The request is valid but clashes with the state of things (a used token, a closed cycle): HTTP 409."""
