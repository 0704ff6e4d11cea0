import datetime
import random
from collections import Counter, defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from agencies.scheme import DIMENSIONS
from conduct_eval.errors import ConflictError
from surveys import privacy, selectors, services
from surveys.models import Ballot, Invitation, Opinion, Response, Survey
from tests.concurrency import run_at_once
from tests.factories import AgencyFactory, CycleFactory, WindowFactory

from .conftest import aware

pytestmark = pytest.mark.django_db
ALL4 = dict.fromkeys(DIMENSIONS, 4)


def submit(survey, agency, at, fp="device-1", **kw):
    return services.response_submit(survey=survey, agency=agency, ratings=kw.pop("ratings", ALL4), fingerprint=fp,
                                    at=at, **kw)


def test_second_response_of_a_device_within_24h_is_duplicate_and_not_counted(survey, agency):
    assert submit(survey, agency, aware(2026, 3, 1, 9)).status == "valid"
    assert submit(survey, agency, aware(2026, 3, 2, 8, 59)).status == "duplicate"
    assert submit(survey, agency, aware(2026, 3, 1, 10), fp="device-2").status == "valid"
    assert submit(survey, agency, aware(2026, 3, 2, 9, 1)).status == "valid"  # a day later counts again
    assert Response.objects.count() == 4  # nothing lost
    counts = selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1))
    assert counts[agency.pk].n == 3
    assert counts[agency.pk].counts["service_attitude"] == {4: 3}


def test_honeypot_marks_suspicious(survey, agency):
    result = submit(survey, agency, aware(2026, 3, 1), honeypot=True)
    assert result.status == "suspicious"
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1)) == {}


def test_opinion_gets_a_receipt_and_a_masked_contact(survey, agency):
    result = submit(survey, agency, aware(2026, 3, 1), opinion="排队太久", contact="13812341234")
    opinion = Opinion.objects.get(receipt=result.receipt)
    assert opinion.contact_masked == "138****1234"
    assert [e.status for e in selectors.opinion_by_receipt(result.receipt.lower()).events.all()] == ["new"]
    assert submit(survey, agency, aware(2026, 3, 1), fp="d2").receipt is None


@pytest.mark.parametrize("ratings", [
    [4], "x", {"nope": 3}, {"service_attitude": 6}, {"service_attitude": 0}, {"service_attitude": "4"},
    {"service_attitude": True}, {"service_attitude": 3.5},
])
def test_bad_ratings_name_ratings(survey, agency, ratings):
    with pytest.raises(ValidationError) as info:
        submit(survey, agency, aware(2026, 3, 1), ratings=ratings)
    assert "ratings" in info.value.message_dict
    assert not Response.objects.exists()


def test_window_of_another_agency_and_overlong_texts_are_refused(survey, agency, other_agency):
    window = WindowFactory(agency=other_agency)
    for kwargs, field in [({"window": window}, "window"), ({"opinion": "长" * 2001}, "opinion"),
                          ({"contact": "1" * 101}, "contact")]:
        with pytest.raises(ValidationError) as info:
            submit(survey, agency, aware(2026, 3, 1), **kwargs)
        assert field in info.value.message_dict


def test_closed_survey_is_a_conflict(survey, agency):
    with pytest.raises(ConflictError):
        submit(survey, agency, aware(2027, 1, 2))


def test_status_change_moves_the_rollup(survey, agency):
    submit(survey, agency, aware(2026, 3, 1))
    response = Response.objects.get()
    services.response_set_status(response=response, status="suspicious")
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1))[agency.pk].n == 0
    services.response_set_status(response=response, status="valid")
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1))[agency.pk].n == 1


def brute_force(cycle, until):
    """The same counts the slow way, straight from the rows."""
    result = defaultdict(lambda: [0, defaultdict(Counter)])
    start = aware(cycle.starts_on.year, cycle.starts_on.month, cycle.starts_on.day)
    for r in Response.objects.filter(status="valid", submitted_at__gte=start, submitted_at__lt=until):
        ratings = {d: v for d, v in r.ratings().items() if v is not None}
        result[r.agency_id][0] += bool(ratings)
        for d, v in ratings.items():
            result[r.agency_id][1][d][v] += 1
    return {a: (n, {d: dict(c) for d, c in counts.items()}) for a, (n, counts) in result.items() if n}


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), until_day=st.integers(0, 364), start_day=st.integers(0, 200))
def test_rollups_and_partial_months_equal_counting_the_rows(seed, until_day, start_day):
    """Whatever the period's end (mid-month, month boundary) and the cycle's start, the fast path
    gives exactly what counting every response gives."""
    with transaction.atomic():  # each example starts from an empty database
        _compare_fast_and_slow(seed, until_day, start_day)
        transaction.set_rollback(True)


def _compare_fast_and_slow(seed, until_day, start_day):
    rng = random.Random(seed)
    cycle = CycleFactory(starts_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=start_day))
    survey = Survey.objects.create(slug=f"s{seed}-{until_day}-{start_day}", cycle=cycle, kind="public", title="t",
                                   opens_at=aware(2025, 12, 1), closes_at=aware(2027, 1, 1))
    agencies = [AgencyFactory() for _ in range(3)]
    for i in range(60):
        at = aware(2025, 12, 20) + datetime.timedelta(hours=rng.randrange(24 * 380))
        ratings = {d: rng.choice([None, 1, 2, 3, 4, 5]) for d in DIMENSIONS}
        submit(survey, rng.choice(agencies), min(at, aware(2026, 12, 31, 23)), fp=f"d{i % 7}", ratings=ratings)
    until = aware(2026, 1, 1) + datetime.timedelta(days=until_day, hours=rng.choice([0, 0, 13]))
    fast = selectors.public_level_counts(cycle=cycle, until=until)
    slow = brute_force(cycle, until)
    assert {a: (c.n, c.counts) for a, c in fast.items() if c.n} == slow
    assert all(c.n for c in fast.values())
    # The recompute's reading (monthly rows, days added or taken away, the last day whole or from its rows).
    ids = sorted(a.pk for a in agencies)
    counts, n = selectors.public_level_array(cycle=cycle, until=until, rows_of=selectors.agency_rows(ids),
                                             count=len(ids))
    for row, agency_id in enumerate(ids):
        expected_n, expected = slow.get(agency_id, (0, {}))
        assert n[row] == expected_n
        assert {d: {level: int(counts[row, i, level - 1]) for level in range(1, 6) if counts[row, i, level - 1]}
                for i, d in enumerate(DIMENSIONS) if counts[row, i].any()} == expected


def test_ballot_keeps_the_category_not_the_token_and_a_token_works_once(appraisal, agency, other_agency):
    tokens = services.invitations_issue(survey=appraisal, category="enterprise", count=2)
    assert len(set(tokens)) == 2
    assert not Invitation.objects.filter(token_hash__in=tokens).exists()  # only keyed hashes stored
    at = aware(2026, 11, 20, 10)
    ballot = services.ballot_submit(token=tokens[0], ratings={agency.pk: 5, other_agency.pk: 3}, at=at)
    assert ballot.category == "enterprise" and ballot.submitted_on == datetime.date(2026, 11, 20)
    assert not any(f.name in {"token", "token_hash", "invitation"} for f in Ballot._meta.get_fields())
    with pytest.raises(ConflictError):
        services.ballot_submit(token=tokens[0], ratings={agency.pk: 1}, at=at)
    with pytest.raises(ValidationError):
        services.ballot_submit(token="forged", ratings={agency.pk: 1}, at=at)
    counts = selectors.appraisal_level_counts(cycle=appraisal.cycle, until=aware(2026, 11, 21))
    assert counts[agency.pk].counts == {"enterprise": {5: 1}} and counts[agency.pk].n == 1
    assert selectors.appraisal_level_counts(cycle=appraisal.cycle, until=aware(2026, 11, 20)) == {}


def test_token_outside_its_window_is_a_conflict(appraisal, agency):
    token = services.invitations_issue(survey=appraisal, category="citizen", count=1)[0]
    with pytest.raises(ConflictError):
        services.ballot_submit(token=token, ratings={agency.pk: 4}, at=aware(2026, 10, 1))
    assert Invitation.objects.get().used_at is None


@pytest.mark.parametrize("contact, masked", [
    ("13812341234", "138****1234"), ("138-1234-1234", "138****1234"), ("zhang@example.com", "z***@example.com"),
    ("张先生", "张**"), ("", ""),
])
def test_mask_contact(contact, masked):
    assert privacy.mask_contact(contact) == masked


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_posts_of_one_token_give_exactly_one_ballot(appraisal, agency):
    token = services.invitations_issue(survey=appraisal, category="deputy", count=1)[0]
    outcomes = run_at_once(lambda i: services.ballot_submit(token=token, ratings={agency.pk: 5},
                                                            at=aware(2026, 11, 20)), 50)
    assert Counter(type(o).__name__ for o in outcomes) == {"Ballot": 1, "ConflictError": 49}
    assert Ballot.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_device_give_one_valid(survey, agency):
    statuses = run_at_once(lambda i: submit(survey, agency, aware(2026, 3, 1, 9)).status, 10)
    assert Counter(statuses) == {"valid": 1, "duplicate": 9}
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1))[agency.pk].n == 1


def test_a_submission_costs_three_statements_on_postgresql(survey, agency):
    """Device lock, then one INSERT … SELECT that classifies, stores and counts (SQLite: check, insert, an upsert
    per rollup table), then the one UPDATE that raises the cycle's input version."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        submit(survey, agency, aware(2026, 3, 1, 9))
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == (3 if connection.vendor == "postgresql" else 5), statements
    assert "inputs_version" in statements[-1]
    submit(survey, agency, aware(2026, 3, 1, 10))
    submit(survey, agency, aware(2026, 3, 1, 11), fp="other", honeypot=True)
    assert Counter(Response.objects.values_list("status", flat=True)) == {"valid": 1, "duplicate": 1, "suspicious": 1}
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1))[agency.pk].n == 1
