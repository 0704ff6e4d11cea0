"""Links in notifications. The stored text keeps site paths (办理入口：/agency/notices/12/) so that a change of
address never rewrites history; e-mails and the inbox show them absolute, from PUBLIC_BASE_URL (the address
people reach from outside) or, in the inbox without it, from the request's own host."""
from __future__ import annotations

import re

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A site path: after the start of a line, a space, a colon (also the full-width ：) or an opening bracket.
PATH = re.compile(r"(^|[\s:：(（])(/[A-Za-z0-9][\w\-./?=&%]*)", re.M)


def base_url(request=None) -> str:
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


def first_path(text: str) -> str | None:
    """The first site path in `text` (the notice the message is about), else None."""
    match = PATH.search(text or "")
    return match.group(2) if match else None


def absolute_text(text: str, base: str | None = None) -> str:
    """`text` with every site path made absolute (plain text, for e-mails)."""
    base = settings.PUBLIC_BASE_URL if base is None else base
    return PATH.sub(lambda m: m.group(1) + base + m.group(2), text) if base else text


def linked_html(text: str, base: str) -> SafeString:
    """`text` escaped, with each site path an absolute link and line breaks kept (for the inbox)."""
    parts, last = [], 0
    for match in PATH.finditer(text or ""):
        url = base + match.group(2)
        parts += [escape(text[last:match.start(2)]), f'<a href="{escape(url)}">{escape(url)}</a>']
        last = match.end(2)
    parts.append(escape((text or "")[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # every piece is escaped above
