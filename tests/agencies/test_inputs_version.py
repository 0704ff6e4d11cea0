"""The per-cycle input version: bumped in the writer's transaction, rolled back with it."""
import pytest
from django.db import transaction

from agencies.models import Cycle
from agencies.services import cycle_inputs_changed


@pytest.mark.django_db(transaction=True)
def test_version_rises_with_the_commit_and_not_with_a_rollback(cycle):
    cycle_inputs_changed(cycle.pk)
    cycle.refresh_from_db()
    assert cycle.inputs_version == 1 and cycle.inputs_changed_at is not None
    with pytest.raises(RuntimeError), transaction.atomic():
        cycle_inputs_changed(cycle.pk)
        raise RuntimeError
    cycle.refresh_from_db()
    assert cycle.inputs_version == 1


@pytest.mark.django_db
def test_all_cycles(cycle):
    other = Cycle.objects.create(code="c2", name="c2", starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    cycle_inputs_changed(all_cycles=True)
    assert sorted(Cycle.objects.values_list("inputs_version", flat=True)) == [1, 1]
    assert other.pk
