import csv
import io
import random

import pytest
from django.core.management import CommandError, call_command

from agencies.scheme import DIMENSIONS
from surveys import selectors, services
from surveys.models import Opinion, Response

from .conftest import aware
from .test_services import brute_force

pytestmark = pytest.mark.django_db
HEADER = ["agency", "window", "submitted_at", "channel", *DIMENSIONS, "opinion"]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def row(agency="gaj", window="", at="2026-03-01 09:30", channel="", levels=("4",) * 8, opinion=""):
    return [agency, window, at, channel, *levels, opinion]


def run(survey, path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_responses", "--survey", survey.slug, path, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_with_rollups_opinions_and_distinct_fingerprints(tmp_path, survey, agency,
                                                                                other_agency, window):
    # A live response first: the rebuilt month must still count it.
    services.response_submit(survey=survey, agency=agency, ratings={"fees": 5}, fingerprint="live",
                             at=aware(2026, 3, 5, 10))
    rng = random.Random(7)
    rows = [row(agency=rng.choice(["gaj", "scjgj"]), at=f"2026-0{rng.randint(2, 4)}-{rng.randint(10, 28)} 10:00",
                levels=[rng.choice(["", "1", "2", "3", "4", "5"]) for _ in range(len(DIMENSIONS) - 1)] + ["3"],
                opinion="大厅空调不制冷" if i % 10 == 0 else "") for i in range(120)]
    rows.append(row(window="w01", channel="kiosk", at="2026-03-02T08:00:00+08:00", opinion="窗口人员很耐心，点赞"))
    out, _ = run(survey, write_csv(tmp_path / "paper.csv", rows))
    assert "已导入 121 条答卷（含意见 13 条）" in out
    imported = Response.objects.exclude(fingerprint="live")
    assert imported.count() == 121 and imported.filter(status="valid").count() == 121
    assert imported.values("fingerprint").distinct().count() == 121  # no device-dedup across paper forms
    assert set(imported.values_list("channel", flat=True)) == {"import", "kiosk"}
    kiosk = imported.get(channel="kiosk")
    assert kiosk.window == window and kiosk.submitted_at == aware(2026, 3, 2, 8)
    opinion = Opinion.objects.get(text="窗口人员很耐心，点赞")
    assert opinion.response == kiosk and len(opinion.receipt) == 10
    assert [e.status for e in selectors.opinion_by_receipt(opinion.receipt).events.all()] == ["new"]
    for until in (aware(2026, 4, 1), aware(2026, 3, 15), aware(2026, 6, 1)):
        fast = selectors.public_level_counts(cycle=survey.cycle, until=until)
        assert {a: (c.n, c.counts) for a, c in fast.items() if c.n} == brute_force(survey.cycle, until)


def test_bad_rows_are_reported_by_line_and_nothing_is_stored(tmp_path, survey, agency):
    rows = [row(), row(agency="nope"), row(levels=("6",) + ("4",) * 7), row(at="yesterday"),
            row(at="2027-02-01 10:00"), row(window="w99"), row(channel="fax"), row(levels=("",) * 8),
            row(opinion="长" * 2001), row()]
    with pytest.raises(CommandError, match="8 行有误"):
        out, err = run(survey, write_csv(tmp_path / "bad.csv", rows))
    assert not Response.objects.exists() and not Opinion.objects.exists()


def test_the_report_names_lines_and_fields(tmp_path, survey, agency, capsys):
    path = write_csv(tmp_path / "bad.csv", [row(), row(agency="nope"), row(levels=("x",) + ("4",) * 7)])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_responses", "--survey", survey.slug, path, stdout=io.StringIO(), stderr=err)
    report = err.getvalue()
    assert "第 3 行：agency" in report and "第 4 行：service_attitude" in report and "第 2 行" not in report


def test_a_wrong_header_is_refused(tmp_path, survey, agency):
    path = write_csv(tmp_path / "h.csv", [row()[:-1]], header=HEADER[:-1])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_responses", "--survey", survey.slug, path, stdout=io.StringIO(), stderr=err)
    assert "缺少列：opinion" in err.getvalue()


def test_the_same_file_twice_is_refused(tmp_path, survey, agency):
    path = write_csv(tmp_path / "once.csv", [row(), row()])
    run(survey, path)
    with pytest.raises(CommandError, match="已导入过"):
        run(survey, path)
    assert Response.objects.count() == 2


def test_an_unknown_survey_or_file_is_a_clear_error(tmp_path, survey):
    with pytest.raises(CommandError, match="没有编码为"):
        run(survey.__class__(slug="nope"), str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="无法读取文件"):
        run(survey, str(tmp_path / "missing.csv"))


def test_batches_larger_than_one_are_written(tmp_path, survey, agency, monkeypatch):
    monkeypatch.setattr("surveys.imports.BATCH", 7)
    run(survey, write_csv(tmp_path / "b.csv", [row(opinion="意见" if i % 3 == 0 else "") for i in range(30)]))
    assert Response.objects.count() == 30 and Opinion.objects.count() == 10
    assert Opinion.objects.filter(response__isnull=True).count() == 0
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 4, 1))[agency.pk].n == 30


def test_rows_near_local_midnight_land_in_the_right_month(tmp_path, survey, agency):
    """Months are local (Asia/Shanghai); 2026-03-01 00:30 local is still February in UTC."""
    path = write_csv(tmp_path / "edge.csv", [row(at="2026-03-01 00:30", levels=("5",) * 8),
                                             row(at="2026-02-28 23:30", levels=("1",) * 8),
                                             row(at="2026-03-31 23:59", levels=("3",) * 8)])
    run(survey, path)
    for until in (aware(2026, 3, 1), aware(2026, 4, 1), aware(2026, 5, 1)):
        fast = selectors.public_level_counts(cycle=survey.cycle, until=until)
        assert {a: (c.n, c.counts) for a, c in fast.items() if c.n} == brute_force(survey.cycle, until), until
