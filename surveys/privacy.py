"""Personal information in surveys: device fingerprints, masked contacts, tokens, receipts.

Keyed hashes use the SECRET_KEY, so a leaked table cannot be matched against guesses.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

DEVICE_COOKIE = "ce_device"
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def fingerprint(*, device: str | None, address: str | None, user_agent: str | None) -> str:
    """HMAC of the device cookie, or for a client without one, of its address and User-Agent."""
    if device:
        return keyed_hash("device", device)
    return keyed_hash("client", f"{address or ''}|{user_agent or ''}")


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind our own reverse proxy (TRUST_X_FORWARDED_FOR=1)
    the last X-Forwarded-For hop, the one that proxy added and a client cannot forge."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.TRUST_X_FORWARDED_FOR and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def request_fingerprint(request) -> str:
    return fingerprint(device=request.COOKIES.get(DEVICE_COOKIE), address=client_address(request),
                       user_agent=request.META.get("HTTP_USER_AGENT", ""))


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


def new_token() -> str:
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    return keyed_hash("invitation", token)


_PHONE = re.compile(r"^\+?\d[\d\s-]{6,}$")


def mask_contact(contact: str) -> str:
    """138****1234 for a phone number, z***@example.com for an e-mail, 张** otherwise."""
    contact = contact.strip()
    if not contact:
        return ""
    if "@" in contact:
        name, _, domain = contact.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = re.sub(r"[\s-]", "", contact)
    if _PHONE.match(contact) and len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return contact[:1] + "*" * min(len(contact) - 1, 6)
