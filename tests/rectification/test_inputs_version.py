"""An overdue notice's deduction, booked by the sweep or at a late verification, and its reversal when the notice
is withdrawn, raise the cycle's input version in their own transaction; a rolled-back sweep does not."""
import pytest
import time_machine

from rectification import services
from tests.inputs_version import rises, rolled_back, version

from .conftest import aware

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(agency, cycle, mailable):
    with time_machine.travel(aware(2026, 3, 2, 9), tick=False):
        return services.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口脱岗", source_key="m:1")


def test_the_overdue_deduction_and_its_reversal_raise_the_version(issued, cycle, admin):
    with time_machine.travel(aware(2026, 3, 10, 9), tick=False):
        before = version(cycle)
        services.notices_mark_overdue()
        assert version(cycle) == before  # not due yet: nothing booked
    with time_machine.travel(aware(2026, 3, 25, 9), tick=False):
        with rolled_back(cycle):
            services.notices_mark_overdue()
        with rises(cycle, by=1):
            services.notices_mark_overdue()
        with rises(cycle, by=1):
            services.notice_withdraw(notice=issued, actor=admin, reason="问题不属实")
