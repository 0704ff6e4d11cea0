"""Helpers for the tests that every writer of a cycle's inputs raises its version, and a rollback does not."""
from contextlib import contextmanager

import pytest
from django.db import transaction

from agencies.models import Cycle


def version(cycle) -> int:
    return Cycle.objects.values_list("inputs_version", flat=True).get(pk=cycle.pk)


@contextmanager
def rises(cycle, by: int | None = None):
    """The block raises `cycle`'s input version (by exactly `by` when given)."""
    before = version(cycle)
    yield
    after = version(cycle)
    assert after > before, "the write did not raise the cycle's input version"
    if by is not None:
        assert after - before == by


@contextmanager
def rolled_back(cycle):
    """The block runs in a transaction that is then rolled back: the version stays where it was."""
    before = version(cycle)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        yield
        assert version(cycle) > before, "inside its transaction the write raises the version"
        raise Rollback
    assert version(cycle) == before
