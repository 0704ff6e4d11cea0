"""Request parsers of the REST API: bodies bounded in size (413) and depth, and free of control characters (400).

Kept apart from conduct_eval.api because DRF imports its parser setting while its views module loads.
"""
from __future__ import annotations

import codecs
import json
import math
import re

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers, status

MAX_JSON_DEPTH = 32  # the deepest real body (a cycle's scheme) is 3 levels
# C0 controls other than tab, newline and carriage return, DEL, and halves of surrogate pairs: no text field
# of ours holds them, PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8.
BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
BAD_CHARACTERS_MESSAGE = "不能包含控制字符（如 NUL）"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "请求体过大"
    default_code = "request_too_large"


def _read_bounded(stream) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestTooLarge(f"请求体不能超过 {limit // 1024} KB")
    return body


def _has_bad_characters(value) -> bool:
    """Whether a parsed value holds a bad character in any string or key, at any depth (no recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if BAD_CHARACTERS.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def reject_bad_characters(fields) -> None:
    """A 400 naming each top-level field (a JSON key or a form field) whose value holds a control character."""
    errors = {}
    items = fields.lists() if hasattr(fields, "lists") else fields.items()
    for name, value in items:
        if not isinstance(name, str) or BAD_CHARACTERS.search(name):
            errors.setdefault("non_field_errors", []).append(f"字段名{BAD_CHARACTERS_MESSAGE}")
        elif _has_bad_characters(value):
            errors[name] = [BAD_CHARACTERS_MESSAGE]
    if errors:
        raise exceptions.ValidationError(errors)


def _depth(value) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"数值超出范围：{text[:20]}")
    return number


def _no_constant(text: str):
    raise ValueError(f"不是合法的 JSON 数值：{text}")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits: at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (else 413); an object, nested at
    most MAX_JSON_DEPTH deep, with finite numbers and no control character in any string (else 400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        body = _read_bounded(stream) if stream is not None else b""
        try:
            data = json.loads(codecs.decode(body, encoding), parse_constant=_no_constant, parse_float=_finite)
        except RecursionError:
            raise exceptions.ParseError(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON 解析错误：{exc}") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）")
        if not isinstance(data, dict):  # every body of this API is an object: views may rely on .get()
            raise exceptions.ValidationError({"non_field_errors": ["请求体必须是 JSON 对象"]})
        reject_bad_characters(data)
        return data


class FormParser(parsers.FormParser):
    """DRF's form parser, bounded in size and free of control characters like the JSON one."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        data = QueryDict(_read_bounded(stream), encoding=encoding)
        reject_bad_characters(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser (Django bounds its fields and files); no control character in a field or a file
    name."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        reject_bad_characters(result.data)
        reject_bad_characters({name: [f.name for f in files] for name, files in result.files.lists()})
        return result


def query_param(request, name: str) -> str | None:
    """A query parameter that a view reads itself (filter sets check theirs): control characters are a 400."""
    value = request.query_params.get(name)
    if value is not None and BAD_CHARACTERS.search(value):
        raise exceptions.ValidationError({name: [BAD_CHARACTERS_MESSAGE]})
    return value
