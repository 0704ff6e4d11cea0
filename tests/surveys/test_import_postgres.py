"""The PostgreSQL import path: COPY into a staging table, checks in SQL, one INSERT … SELECT, rollups by GROUP BY."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from agencies.scheme import DIMENSIONS
from surveys import selectors, services
from surveys.models import Opinion, OpinionEvent, RatingMonthly, Response, Survey

from .conftest import aware
from .test_import import row, run, write_csv
from .test_services import brute_force

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def rejected(survey, path) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_responses", "--survey", survey.slug, path, stdout=io.StringIO(), stderr=err)
    return f"{err.getvalue()}\n{info.value}"


def test_lines_are_file_lines_even_after_an_opinion_spanning_lines(tmp_path, survey, agency):
    assert connection.vendor == "postgresql"
    rows = [row(opinion="第一行\n第二行\n第三行"), row(agency="nope"), row(), row(at="2026-02-30 10:00"),
            row(levels=("9",) + ("4",) * 7)]
    report = rejected(survey, write_csv(tmp_path / "multi.csv", rows))
    # Line 1 is the header; the opinion's record spans lines 2–4.
    assert "第 5 行：agency：未知机关或不参加网上民评「nope」" in report
    assert "第 7 行：submitted_at：无法识别的时间「2026-02-30 10:00」" in report  # a plain cast would raise
    assert "第 8 行：service_attitude：等级须为 1–5 或留空（不适用）「9」" in report
    assert "3 行有误" in report and "第 6 行" not in report
    assert not Response.objects.exists() and not Opinion.objects.exists() and not RatingMonthly.objects.exists()


def test_every_problem_of_a_row_is_named_in_the_python_paths_words(tmp_path, survey, agency):
    rows = [row(agency="nope", window="w9", channel="fax", at="yesterday", levels=("x",) * 8, opinion="长" * 2001),
            row(levels=("",) * 8), row(at="2027-02-01 10:00"), row(window="w99")]
    report = rejected(survey, write_csv(tmp_path / "bad.csv", rows))
    assert ("第 2 行：agency：未知机关或不参加网上民评「nope」；window：该机关没有窗口「w9」；"
            "channel：未知渠道「fax」；submitted_at：无法识别的时间「yesterday」；"
            "service_attitude：等级须为 1–5 或留空（不适用）「x」") in report
    assert "opinion：意见不超过 2000 字" in report
    assert "第 3 行：至少需对一个维度作出评价" in report
    assert "第 4 行：submitted_at：不在调查开放期内或晚于当前「2027-02-01 10:00」" in report
    assert "第 5 行：window：该机关没有窗口「w99」" in report


def test_a_row_with_too_few_fields_is_named_by_its_line(tmp_path, survey, agency):
    path = tmp_path / "short.csv"
    write_csv(path, [row(), row()])
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write("gaj,,2026-03-01 09:30\r\n")
    assert "第 4 行：列数与表头不符" in rejected(survey, str(path))
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write("gaj,,2026-03-01 09:30\n")  # a bare line end after \r\n ones
    assert "第 4 行：列数与表头不符" in rejected(survey, str(path))
    assert not Response.objects.exists()


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path, survey, agency):
    path = tmp_path / "gbk.csv"
    write_csv(path, [row(opinion="窗口")])
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("gbk"))
    assert "文件不是 UTF-8 编码" in rejected(survey, str(path))


def test_identical_rows_are_distinct_respondents_and_rollups_equal_a_group_by(tmp_path, survey, agency, other_agency,
                                                                           window):
    services.response_submit(survey=survey, agency=agency, ratings={"fees": 5}, fingerprint="live",
                             at=aware(2026, 3, 5, 10))
    rows = [row(levels=("5", "4", "", "3", "2", "1", "5", "4")) for _ in range(50)]
    rows += [row(agency="scjgj", at=f"2026-0{1 + i % 4}-{10 + i % 15} 0{i % 10}:15", levels=(str(1 + i % 5),) * 8,
                 opinion="排队太久" if i % 7 == 0 else "") for i in range(200)]
    rows += [row(window="w01", channel="kiosk", at="2026-03-31T23:59:00+08:00"),
             row(at="2026-03-31T16:30:00Z")]  # 00:30 on 1 April in Asia/Shanghai
    out, _ = run(survey, write_csv(tmp_path / "good.csv", rows))
    assert "已导入 252 条答卷（含意见 29 条）" in out
    imported = Response.objects.exclude(fingerprint="live")
    assert imported.filter(status="valid").count() == 252  # the device rule does not collapse paper forms
    assert imported.values("fingerprint").distinct().count() == 252
    assert imported.get(channel="kiosk").window == window
    assert imported.filter(submitted_at=aware(2026, 4, 1, 0, 30)).count() == 1
    opinions = Opinion.objects.all()
    assert opinions.count() == 29 and opinions.values("receipt").distinct().count() == 29
    assert all(len(o.receipt) == 10 and o.response.agency_id == o.agency_id for o in opinions)
    assert OpinionEvent.objects.filter(status="new").count() == 29
    assert selectors.opinion_by_receipt(opinions[0].receipt).response.agency.code == "scjgj"
    for until in (aware(2026, 2, 1), aware(2026, 3, 15), aware(2026, 4, 1), aware(2026, 4, 2), aware(2027, 1, 1)):
        fast = selectors.public_level_counts(cycle=survey.cycle, until=until)
        assert {a: (c.n, c.counts) for a, c in fast.items() if c.n} == brute_force(survey.cycle, until), until
    with pytest.raises(CommandError, match="已导入过"):
        run(survey, str(tmp_path / "good.csv"))


def test_a_survey_asking_fewer_dimensions_imports_only_those(tmp_path, survey, agency):
    short = Survey.objects.create(slug="short", cycle=survey.cycle, kind="public", title="t",
                                  opens_at=survey.opens_at, closes_at=survey.closes_at, dimensions=["fees", "workflow"])
    header = ["agency", "window", "submitted_at", "channel", "workflow", "fees", "opinion"]
    run(short, write_csv(tmp_path / "s.csv", [["gaj", "", "2026-05-02 10:00", "", "2", "", ""]], header=header))
    response = Response.objects.get(survey=short)
    assert response.ratings() == {d: (2 if d == "workflow" else None) for d in DIMENSIONS}
    assert selectors.public_level_counts(cycle=survey.cycle, until=aware(2026, 6, 1))[agency.pk].counts == {
        "workflow": {2: 1}}
