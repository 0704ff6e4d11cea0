"""The consequences of a cycle's final ranking (三严格): the commendation list is published; each warned
agency gets a reminder talk (谈话提醒) from its leader in charge and a rectification notice."""
from __future__ import annotations

from django.db import transaction

from scoring.choices import Outcome
from scoring.models import RankingSnapshot
from scoring.selectors import scorecards_of

from ..choices import NoticeSource, NotificationKind
from ..models import CommendationList
from .notices import notice_issue
from .notifications import notifications_queue, recipients_leader


@transaction.atomic
def ranking_outcomes_publish(*, snapshot: RankingSnapshot) -> CommendationList:
    """Act on a final snapshot's outcomes. Idempotent: a second call finds the list, notices and messages made."""
    cycle = snapshot.cycle
    cards = list(scorecards_of(snapshot).select_related("agency__leader_account"))
    total = len(cards)
    commendations, created = CommendationList.objects.get_or_create(snapshot_id=snapshot.pk, defaults={"cycle": cycle})
    if created:
        commendations.agencies.set([card.agency for card in cards if card.outcome == Outcome.COMMENDED])
    for card in cards:
        if card.outcome != Outcome.WARNED:
            continue
        agency = card.agency
        standing = f"{cycle.name}总排名第 {card.rank_overall} / {total} 名（总分 {card.total}）"
        notice = notice_issue(agency=agency, source=NoticeSource.RANKING, cycle=cycle,
                              source_key=f"ranking:{cycle.code}:{agency.code}",
                              text=f"{standing}，列末位。请对照扣分事项逐项查摆问题、制定整改措施并按期反馈。")
        notifications_queue(
            notice=notice, kind=NotificationKind.REMINDER_TALK, recipients=recipients_leader(agency),
            subject=f"【谈话提醒】请约谈{agency.name}主要负责人",
            body=f"{agency.leader_in_charge or '分管市领导'}：\n{agency.name}{standing}，"
                 f"按规定由分管市领导进行谈话提醒，并已下发整改通知（期限 {notice.deadline:%Y-%m-%d}）。\n"
                 f"查看：/dashboard/rectifications/{notice.pk}/")
    return commendations
