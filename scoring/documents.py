"""A snapshot's compact document (SnapshotDocument): written once with the snapshot, read by every page.

The document holds the snapshot's scorecards and the inputs behind them as columns
(scoring.method.columns), and per agency the ids of the ledger entries and assessment revisions it
counted, as one zlib-compressed JSON body. Written by `services.snapshot_compute` in the snapshot's
transaction; `Scorecard.card` and `Scorecard.inputs` read their row of it.

A snapshot never changes, so a parsed document is kept: on the snapshot instance that read it, and in
a small per-process cache keyed by what identifies a snapshot for good (its id, its computation time
and its digest; an id alone may be reused by a database that was rolled back, as tests do).
"""
from __future__ import annotations

import json
import logging
import threading
import zlib
from collections import OrderedDict
from typing import Any

from .method import columns as method_columns

logger = logging.getLogger(__name__)

FORMAT = 1
KEPT = 4  # parsed documents kept per process: the newest snapshots of the cycles being looked at
_cache: OrderedDict[tuple, Document] = OrderedDict()
_lock = threading.Lock()


def document_body(*, prepared, official, agency_ids: list[int], entry_ids: list[list[int]],
                  assessment_ids: list[list[int]]) -> bytes:
    """The stored body of one computation: its cards, its inputs and the ids counted, row i agency_ids[i]."""
    data = {
        "format": FORMAT,
        "agency_ids": agency_ids,
        "cards": method_columns.card_columns(prepared, official),
        "inputs": method_columns.table_columns(prepared.table),
        "entry_ids": entry_ids,
        "assessment_ids": assessment_ids,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


class Document:
    """One parsed snapshot document."""

    def __init__(self, data: dict[str, Any]):
        if "cards" in data:  # the packed count arrays as lists, once: every row read takes a slice of them
            data = {**data, "cards": method_columns.cards_unpacked(data["cards"]),
                    "inputs_listed": method_columns.table_unpacked(data["inputs"])}
        self.data = data
        self.rows = {agency_id: i for i, agency_id in enumerate(data["agency_ids"])}

    @classmethod
    def parse(cls, body: bytes | memoryview) -> Document:
        return cls(json.loads(zlib.decompress(bytes(body))))

    def row(self, agency_id: int) -> tuple[dict, dict]:
        """The card and the inputs of one agency (fresh dicts: callers may change them)."""
        i = self.rows.get(agency_id)
        if i is None:
            return {}, {}
        data = self.data
        inputs = method_columns.inputs_of(data["inputs_listed"], i)
        inputs["entry_ids"] = list(data["entry_ids"][i])
        inputs["assessment_ids"] = list(data["assessment_ids"][i])
        return method_columns.card_of(data["cards"], i), inputs

    def table(self):
        """The inputs as the method's `InputTable` (to resample the intervals of a stored snapshot)."""
        return method_columns.table_of(self.data["inputs"])


_EMPTY = Document({"agency_ids": []})


def document_of(snapshot) -> Document:
    """The parsed document of `snapshot` (one query the first time in a process; none after)."""
    document = getattr(snapshot, "_parsed_document", None)
    if document is not None:
        return document
    key = (snapshot.pk, snapshot.computed_at, snapshot.digest)
    with _lock:
        document = _cache.get(key)
        if document is not None:
            _cache.move_to_end(key)
    if document is None:
        from .models import SnapshotDocument

        body = SnapshotDocument.objects.filter(snapshot_id=snapshot.pk).values_list("body", flat=True).first()
        if body is None:  # never for a snapshot stored with its document; say so rather than fail a page
            logger.error("snapshot %s has no document: its scorecards show no details", snapshot.pk)
            return _EMPTY
        document = Document.parse(body)
        with _lock:
            _cache[key] = document
            while len(_cache) > KEPT:
                _cache.popitem(last=False)
    snapshot._parsed_document = document
    return document
