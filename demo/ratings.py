"""Demo data of the surveys app: this year's public survey with a year of responses up to today,
opinions, and the annual appraisal with invitations and ballots. Idempotent and quick.

The numbers are invented but shaped like the real thing: busy Mondays, quiet weekends and
holidays, office hours with a lunch dip; each window agency has a steady character (a few
clearly better or worse than the rest, one improving after mid-year); most citizens give
满意/非常满意 and the unhappy ones are the ones who write. Rows go in with bulk INSERTs
and the monthly rollups are rebuilt once at the end (the import path), not per response.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Cycle
from agencies.scheme import DIMENSIONS
from rectification.workdays import is_working_day
from surveys import privacy, qr
from surveys.choices import Channel, EvaluatorCategory, OpinionStatus, ResponseStatus, SurveyKind
from surveys.models import Invitation, Opinion, OpinionEvent, Response, Survey, rating_column
from surveys.services import (
    OPINION_RECEIVED_NOTE,
    ballot_submit,
    invitations_issue,
    month_of,
    rollups_rebuild,
    survey_create,
)

VOLUME = 1.0  # responses per agency per ordinary weekday ≈ 2.4 × VOLUME × the agency's size; tests turn it down
SEED = 2026

# Character of some agencies (a shift of the mean level); the others get a small random one.
CHARACTER = {"zwb": 0.45, "gjj": 0.35, "hydj": 0.4, "bdc": 0.25, "xzspj": 0.3, "crj": 0.2,
             "cgj": -0.75, "zjj": -0.55, "xfj": -0.45, "jtysj": -0.4, "sthjj": -0.3, "rqjt": -0.35}
IMPROVING = {"cgj"}  # rectified after a poor first half-year
# What the anomaly hints are for: a window where nearly everyone gives 非常满意 (staff filling in the
# tablet themselves?), and one afternoon when a window was flooded with ratings.
CEILING = "yzglj"
BURST = ("rqjt", 0.6)  # agency, fraction of the span elapsed
BUSY = {"zwb": 3.0, "gaj": 2.2, "sbzx": 2.0, "bdc": 1.8, "cgs": 1.8, "gjj": 1.6, "rsj": 1.5, "ybj": 1.4}
WEEKDAY = [1.35, 1.05, 1.0, 1.0, 0.9, 0.3, 0.12]
HOURS = [(9, 1.0), (10, 1.3), (11, 1.2), (12, 0.3), (13, 0.5), (14, 1.1), (15, 1.2), (16, 1.0), (17, 0.4)]
RARELY_APPLICABLE = {"fees": 0.35, "policy_execution": 0.15, "lawful_administration": 0.1}

COMPLAINTS = {
    "service_attitude": ["窗口工作人员态度生硬，问两句就不耐烦。", "工作人员边办业务边玩手机，叫了几次才理人。",
                         "咨询时被告知“不归我们管”，没有告诉该去哪里办。"],
    "efficiency": ["排队将近两个小时，只开了两个窗口。", "材料交齐了还让等通知，半个月没有消息。",
                   "取号机经常故障，现场秩序比较乱。", "周一上午人太多，建议高峰期增开窗口。"],
    "workflow": ["同一份材料要求在三个窗口重复提交。", "网上已经预约，到现场还要重新填表。",
                 "办事指南和窗口实际要求的材料不一致，跑了两趟。"],
    "professional_competence": ["工作人员对新政策不熟悉，解释前后矛盾。",
                                "问到具体问题时工作人员说不清楚，只让回去等电话。"],
    "fees": ["收费项目没有公示，不清楚收的是什么钱。", "被要求去指定的复印店复印，价格偏高。"],
    "policy_execution": ["补贴政策说得很好，申请的时候条件卡得很死。", "不同窗口对同一政策的解释不一样。"],
    "lawful_administration": ["执法人员没有出示证件，态度强硬。", "处罚决定没有说明依据。"],
    "integrity": ["有人暗示“找人”可以快点办，希望查一查。"],
}
PRAISE = ["工作人员很耐心，一次性告知了所需材料，点赞！", "办事效率很高，二十分钟就办完了。",
          "导办员主动帮老人填表，服务很贴心。", "预约后基本不用排队，体验很好。",
          "窗口延时服务解决了上班族的难题，谢谢。"]
SUGGESTIONS = ["建议增加周末服务时间。", "希望能在手机上查询办理进度。", "大厅座位太少，建议增加等候座椅。",
               "停车太难，建议和周边单位协调共享车位。", "自助机操作复杂，希望安排人员指导。"]
IRRELEVANT = ["小区门口的路灯坏了很久了。", "。。。", "测试"]
CONTACTS = ["13812345678", "13951234567", "15062345678", "zhang.wei@example.com", "王女士", ""]

CHANNELS, CHANNEL_WEIGHTS = [Channel.QR, Channel.WEB, Channel.KIOSK, Channel.APP], [55, 25, 15, 5]
CATEGORY_PANEL = {EvaluatorCategory.DEPUTY: 40, EvaluatorCategory.GRASSROOTS: 60,
                  EvaluatorCategory.ENTERPRISE: 60, EvaluatorCategory.CITIZEN: 40}
TURNOUT = {EvaluatorCategory.DEPUTY: 0.8, EvaluatorCategory.GRASSROOTS: 0.6, EvaluatorCategory.ENTERPRISE: 0.35,
           EvaluatorCategory.CITIZEN: 0.5}


def _aware(day: date, at: time = time.min) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def demo_load(*, cycle: Cycle, stdout) -> None:
    year = cycle.starts_on.year
    public = Survey.objects.filter(slug=f"{year}-public").first() or survey_create(
        slug=f"{year}-public", cycle=cycle, kind=SurveyKind.PUBLIC, title=f"{year}年网上民评：服务窗口满意度",
        opens_at=_aware(cycle.starts_on), closes_at=_aware(cycle.ends_on + timedelta(days=1)),
        description="请您对办事窗口的服务作出评价，可留下意见建议，凭回执码查询办理进度。")
    appraisal = Survey.objects.filter(slug=f"{year}-appraisal").first() or survey_create(
        slug=f"{year}-appraisal", cycle=cycle, kind=SurveyKind.APPRAISAL, title=f"{year}年度机关作风评议",
        opens_at=_aware(date(year, 11, 15)), closes_at=_aware(date(year, 12, 16)))
    rng = random.Random(SEED)
    characters = {a.code: CHARACTER.get(a.code, rng.uniform(-0.2, 0.25)) for a in Agency.objects.all()}
    if not Response.objects.filter(survey=public).exists():
        with transaction.atomic():
            responses, opinions = _load_responses(public, characters, rng)
        stdout.write(f"网上民评演示数据：{responses} 条答卷，{opinions} 条意见")
    if not Invitation.objects.filter(survey=appraisal).exists():
        ballots, samples = _load_appraisal(appraisal, characters, rng)
        stdout.write(f"年度评议演示数据：{sum(CATEGORY_PANEL.values())} 个评议码，{ballots} 张评议票。"
                     f"可试用的评议链接（仅显示这一次）：")
        for token in samples:
            stdout.write(f"  {qr.ballot_path(token)}")


def _level(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.75))))


def _opinion_text(rng: random.Random, ratings: dict[str, int | None]) -> str | None:
    rated = {d: v for d, v in ratings.items() if v is not None}
    worst = min(rated, key=rated.get)
    if rated[worst] <= 2 and rng.random() < 0.3:
        return rng.choice(COMPLAINTS[worst]) + (rng.choice(SUGGESTIONS) if rng.random() < 0.3 else "")
    roll = rng.random()
    if roll < 0.012:
        return rng.choice(PRAISE) if min(rated.values()) >= 4 else rng.choice(SUGGESTIONS)
    if roll < 0.018:
        return rng.choice(SUGGESTIONS)
    if roll < 0.0195:
        return rng.choice(IRRELEVANT)
    return None


def _load_responses(survey: Survey, characters: dict[str, float], rng: random.Random) -> tuple[int, int]:
    agencies = list(Agency.objects.filter(active=True, has_service_window=True).prefetch_related("windows"))
    start = survey.cycle.starts_on
    end = min(timezone.localdate() - timedelta(days=1), survey.cycle.ends_on)
    hours, hour_weights = zip(*HOURS, strict=True)
    rows, texts, months = [], {}, set()
    adapt = connection.ops.adapt_datetimefield_value
    day, serial, calendars = start, 0, {}
    while day <= end:
        working = is_working_day(day, calendars)  # the office's holiday calendar: chinesecalendar stops at 2026
        factor = WEEKDAY[day.weekday()] * (0.1 if not working and day.weekday() < 5 else 1)
        if working and day.weekday() >= 5:
            factor = 0.9  # an adjusted working day (调休) is a working day
        for agency in agencies:
            expected = 2.4 * VOLUME * BUSY.get(agency.code, 1.0) * factor
            burst = agency.code == BURST[0] and day == start + timedelta(days=int((end - start).days * BURST[1]))
            if burst:
                expected += 40 * VOLUME
            count = int(expected) + (rng.random() < expected - int(expected))
            shift = characters[agency.code]
            if agency.code in IMPROVING:
                shift += 0.9 * max(0.0, (day.timetuple().tm_yday - 180) / 185)
            windows = list(agency.windows.all())
            for _ in range(count):
                serial += 1
                hour = 15 if burst and rng.random() < 0.9 else rng.choices(hours, hour_weights)[0]
                at = _aware(day, time(hour, rng.randrange(60), rng.randrange(60)))
                mood = rng.gauss(0, 0.45)
                ratings = {d: None if rng.random() < RARELY_APPLICABLE.get(d, 0.04)
                           else _level(rng, 4.15 + shift + mood) for d in DIMENSIONS}
                if agency.code == CEILING and rng.random() < 0.95:
                    ratings = dict.fromkeys(DIMENSIONS, 5)
                if all(v is None for v in ratings.values()):
                    ratings["service_attitude"] = _level(rng, 4.15 + shift + mood)
                roll = rng.random()
                status = (ResponseStatus.DUPLICATE if roll < 0.02 else
                          ResponseStatus.SUSPICIOUS if roll < 0.025 else ResponseStatus.VALID)
                window = rng.choice(windows) if windows and rng.random() < 0.85 else None
                fingerprint = privacy.keyed_hash("demo", str(serial))
                rows.append((survey.pk, agency.pk, window.pk if window else None,
                             rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0], status, fingerprint, adapt(at),
                             *ratings.values()))
                text = _opinion_text(rng, ratings) if status == ResponseStatus.VALID else None
                if text:
                    texts[fingerprint] = (agency.pk, window.pk if window else None, at, text)
                months.add(month_of(at))
        day += timedelta(days=1)
    _insert_rows(rows)
    ids = {}
    fingerprints = list(texts)
    for i in range(0, len(fingerprints), 500):
        ids.update(Response.objects.filter(survey=survey, fingerprint__in=fingerprints[i:i + 500])
                   .values_list("fingerprint", "pk"))
    opinions = Opinion.objects.bulk_create([
        Opinion(survey=survey, agency_id=agency_id, window_id=window_id, response_id=ids[fingerprint], text=text,
                contact=(contact := rng.choice(CONTACTS)), contact_masked=privacy.mask_contact(contact),
                receipt=privacy.new_receipt(), created_at=at,
                status=OpinionStatus.REJECTED if text in IRRELEVANT else OpinionStatus.NEW)
        for fingerprint, (agency_id, window_id, at, text) in texts.items()], batch_size=2000)
    events = [OpinionEvent(opinion=o, at=o.created_at, status=OpinionStatus.NEW, note=OPINION_RECEIVED_NOTE)
              for o in opinions]
    events += [OpinionEvent(opinion=o, at=o.created_at + timedelta(days=2), status=OpinionStatus.REJECTED,
                            note="内容与机关作风评议无关或无实质内容，不予采纳") for o in opinions
               if o.status == OpinionStatus.REJECTED]
    OpinionEvent.objects.bulk_create(events, batch_size=2000)
    rollups_rebuild(survey=survey, months=months)
    return len(rows), len(opinions)


def _insert_rows(rows: list[tuple]) -> None:
    """Plain multi-row INSERTs: the ORM's bulk_create spends most of its time preparing 25 k model objects."""
    quoted = connection.ops.quote_name
    columns = ["survey_id", "agency_id", "window_id", "channel", "status", "fingerprint", "submitted_at",
               *(rating_column(d) for d in DIMENSIONS)]
    sql = (f"INSERT INTO {quoted(Response._meta.db_table)} ({', '.join(map(quoted, columns))}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i:i + 5000])


def _load_appraisal(survey: Survey, characters: dict[str, float], rng: random.Random) -> tuple[int, list[str]]:
    """A panel per category; part of it has voted since the appraisal opened (if it has; all who would, once closed)."""
    now = min(timezone.now(), survey.closes_at - timedelta(minutes=1))
    agencies = list(Agency.objects.filter(active=True).values_list("pk", "code"))
    voted, samples = 0, []
    for category, size in CATEGORY_PANEL.items():
        tokens = invitations_issue(survey=survey, category=category, count=size)
        if now <= survey.opens_at:
            samples += tokens[:1]
            continue
        # Most who vote at all do so in the first half of the month.
        elapsed = (now - survey.opens_at) / (survey.closes_at - survey.opens_at)
        spent = int(size * TURNOUT[category] * min(1.0, 2 * elapsed))
        for token in tokens[:spent]:
            at = survey.opens_at + (now - survey.opens_at) * rng.random()
            known = rng.sample(agencies, k=rng.randint(len(agencies) // 3, len(agencies)))
            ballot_submit(token=token, at=at, ratings={pk: _level(rng, 4.0 + characters[code]) for pk, code in known})
            voted += 1
        samples += tokens[spent:spent + 1]
    return voted, samples
