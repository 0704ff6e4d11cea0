"""A confirmed finding and an appeal judged 不属实 move the inspection component: each raises its cycle's input
version in its own transaction (through the ledger), a rolled-back one does not, a dismissal does not."""
import pytest

from inspections import services
from tests.inputs_version import rises, rolled_back, version

pytestmark = pytest.mark.django_db


def test_confirming_and_adjudicating_raise_the_version(visit, admin, liaison, cycle):
    finding = visit.findings.get()
    with rolled_back(cycle):
        services.finding_confirm(finding=finding, actor=admin)
    with rises(cycle):
        services.finding_confirm(finding=finding, actor=admin)
    before = version(cycle)
    services.finding_confirm(finding=finding, actor=admin)
    assert version(cycle) == before  # confirming again books nothing
    services.finding_appeal(finding=finding, actor=liaison, reason="当时窗口正常办理")
    assert version(cycle) == before
    with rises(cycle):
        services.finding_adjudicate(finding=finding, actor=admin, finding_true=False, note="监控显示正常")


def test_a_dismissed_finding_changes_no_input(visit, admin, cycle):
    before = version(cycle)
    services.finding_dismiss(finding=visit.findings.get(), actor=admin, reason="证据不足")
    assert version(cycle) == before
