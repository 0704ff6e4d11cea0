"""The per-cycle input version: bumped in the writer's transaction, rolled back with it."""
import json

import pytest
from django.db import transaction

from agencies.models import Cycle
from agencies.services import cycle_inputs_changed
from tests.factories import AgencyGroupFactory
from tests.inputs_version import rises, rolled_back, version


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


def _office(client, admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)


@pytest.mark.django_db
def test_scheme_and_dates_raise_the_cycle_version_through_the_service_and_the_admin(cycle, client, admin):
    from agencies import services

    with rises(cycle, by=1):
        services.cycle_update(cycle=cycle, scheme={"bonus_cap": 4})
    before = version(cycle)
    services.cycle_update(cycle=cycle, name="改名")
    assert version(cycle) == before  # the name is no input of a score
    with rolled_back(cycle):
        services.cycle_update(cycle=cycle, scheme={"bonus_cap": 3})
    _office(client, admin)
    cycle.refresh_from_db()
    form = {"code": cycle.code, "name": cycle.name, "starts_on": cycle.starts_on, "ends_on": cycle.ends_on,
            "scheme": json.dumps({**cycle.scheme, "bonus_cap": 2})}
    with rises(cycle, by=1):
        response = client.post(f"/admin/agencies/cycle/{cycle.pk}/change/", form)
        assert response.status_code == 302, response.content.decode()[:2000]


@pytest.mark.django_db
def test_a_full_save_of_a_stale_cycle_does_not_write_an_older_version_back(cycle):
    stale = Cycle.objects.get(pk=cycle.pk)
    cycle_inputs_changed(cycle.pk)
    stale.name = "改名"
    stale.save()
    assert version(cycle) == 1 and Cycle.objects.get(pk=cycle.pk).name == "改名"


@pytest.mark.django_db
def test_agency_changes_that_move_rankings_raise_every_cycle_version(cycle, agency, group, client, admin):
    from agencies import services

    other_group = AgencyGroupFactory(code="g2")
    with rises(cycle, by=1):
        services.agency_update(agency=agency, group=other_group)
    with rises(cycle, by=1):
        services.agency_update(agency=agency, active=False)
    with rises(cycle, by=1):
        services.agency_create(code="new", name="新局", group=group)
    before = version(cycle)
    services.agency_update(agency=agency, name="改名", leader_in_charge="李副市长")
    assert version(cycle) == before  # neither is an input of the method
    with rolled_back(cycle):
        services.agency_update(agency=agency, has_service_window=not agency.has_service_window)
    _office(client, admin)
    agency.refresh_from_db()
    form = {"name": agency.name, "group": group.pk, "has_service_window": "on", "leader_in_charge": "",
            "active": "on", "windows-TOTAL_FORMS": "0", "windows-INITIAL_FORMS": "0"}
    with rises(cycle, by=1):  # the admin's plain save: active again
        response = client.post(f"/admin/agencies/agency/{agency.pk}/change/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
