"""Appraisal counts come from daily rollups kept at ballot submission; they equal counting the ratings."""
import random
from collections import defaultdict

import pytest

from surveys import rollups, selectors, services
from surveys.models import BallotDaily, BallotRating

from .conftest import aware

pytestmark = pytest.mark.django_db


def brute_force(cycle, until):
    result = defaultdict(lambda: [0, defaultdict(dict)])
    for r in BallotRating.objects.filter(ballot__survey__cycle=cycle, ballot__submitted_on__lt=until.date()) \
            .select_related("ballot"):
        entry = result[r.agency_id]
        entry[0] += 1
        entry[1][r.ballot.category][r.level] = entry[1][r.ballot.category].get(r.level, 0) + 1
    return {a: (n, dict(c)) for a, (n, c) in result.items()}


def test_counts_by_day_and_category_equal_the_ratings_and_a_rebuild(appraisal, agency, other_agency, no_window_agency):
    rng = random.Random(5)
    agencies = [agency.pk, other_agency.pk, no_window_agency.pk]
    for category in ("deputy", "grassroots", "enterprise", "citizen"):
        for token in services.invitations_issue(survey=appraisal, category=category, count=6):
            rated = rng.sample(agencies, rng.randint(1, 3))
            services.ballot_submit(token=token, ratings={a: rng.randint(1, 5) for a in rated},
                                   at=aware(2026, 11, rng.randint(15, 30), rng.randint(8, 20)))
    ids = sorted(agencies)
    categories = ["deputy", "grassroots", "enterprise", "citizen"]
    for until in (aware(2026, 11, 15), aware(2026, 11, 20), aware(2026, 11, 25, 12), aware(2026, 11, 28),
                  aware(2026, 12, 1), aware(2026, 12, 2)):
        fast = selectors.appraisal_level_counts(cycle=appraisal.cycle, until=until)
        slow = brute_force(appraisal.cycle, until)
        assert {a: (c.n, c.counts) for a, c in fast.items()} == slow, until
        # The recompute's reading: whole months, and the days of a partial month added or taken away.
        array, found = selectors.appraisal_level_array(cycle=appraisal.cycle, until=until,
                                                       rows_of=selectors.agency_rows(ids), count=len(ids),
                                                       categories=categories)
        assert found == categories
        for row, agency_id in enumerate(ids):
            assert {c: {lv: int(array[row, i, lv - 1]) for lv in range(1, 6) if array[row, i, lv - 1]}
                    for i, c in enumerate(categories) if array[row, i].any()} == slow.get(agency_id, (0, {}))[1]
    kept = sorted(BallotDaily.objects.values_list("agency_id", "category", "day", "level_1", "level_2", "level_3",
                                                  "level_4", "level_5"))
    assert len(kept) > 10
    rollups.ballot_rebuild(survey_id=appraisal.pk)
    assert sorted(BallotDaily.objects.values_list("agency_id", "category", "day", "level_1", "level_2", "level_3",
                                                  "level_4", "level_5")) == kept


def test_a_refused_ballot_counts_nowhere(appraisal, agency):
    token, = services.invitations_issue(survey=appraisal, category="deputy", count=1)
    services.ballot_submit(token=token, ratings={agency.pk: 4}, at=aware(2026, 11, 20))
    with pytest.raises(Exception, match="已使用"):
        services.ballot_submit(token=token, ratings={agency.pk: 1}, at=aware(2026, 11, 21))
    assert selectors.appraisal_level_counts(cycle=appraisal.cycle, until=aware(2026, 12, 1))[agency.pk].counts == {
        "deputy": {4: 1}}
