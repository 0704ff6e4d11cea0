"""The consequences of a cycle's final ranking (三严格): the commendation list is published; each warned
agency gets a reminder talk (谈话提醒) from its leader in charge and a rectification notice."""
from __future__ import annotations

from django.db import transaction

from scoring.choices import Outcome
from scoring.models import RankingSnapshot
from scoring.selectors import scorecards_of, veto_reasons_of

from ..choices import NoticeSource, NotificationKind
from ..models import CommendationList
from .notices import notice_issue
from .notifications import notifications_queue, recipients_leader


def _standing(cycle, card, rated: int, veto_reason: str | None) -> tuple[str, str]:
    """What a warned agency is told: (its standing, why it is warned) — the veto and its reason when vetoed,
    never a rank it was not warned for; a bottom rank of the rated agencies otherwise."""
    if card.veto:
        reason = veto_reason or "重大问题"
        standing = f"{cycle.name}年度评议被一票否决（事由：{reason}），总分 {card.total}"
        return standing, "按规定不予表彰并进行谈话提醒"
    standing = f"{cycle.name}总排名第 {card.rank_overall} / {rated} 名（总分 {card.total}）"
    return standing, "列末位"


@transaction.atomic
def ranking_outcomes_publish(*, snapshot: RankingSnapshot) -> CommendationList:
    """Act on a final snapshot's outcomes. Idempotent: a second call finds the list, notices and messages made."""
    cycle = snapshot.cycle
    cards = list(scorecards_of(snapshot).select_related("agency__leader_account"))
    rated = sum(card.rank_overall is not None for card in cards)  # N: unrated agencies take no place
    reasons = veto_reasons_of(snapshot) if any(card.veto for card in cards) else {}
    commendations, created = CommendationList.objects.get_or_create(snapshot_id=snapshot.pk, defaults={"cycle": cycle})
    if created:
        commendations.agencies.set([card.agency for card in cards if card.outcome == Outcome.COMMENDED])
    for card in cards:
        if card.outcome != Outcome.WARNED:
            continue
        agency = card.agency
        standing, why = _standing(cycle, card, rated, reasons.get(agency.pk))
        notice = notice_issue(agency=agency, source=NoticeSource.RANKING, cycle=cycle,
                              source_key=f"ranking:{cycle.code}:{agency.code}",
                              text=f"{standing}，{why}。请对照扣分事项逐项查摆问题、制定整改措施并按期反馈。")
        notifications_queue(
            notice=notice, kind=NotificationKind.REMINDER_TALK, recipients=recipients_leader(agency),
            subject=f"【谈话提醒】请约谈{agency.name}主要负责人",
            body=f"{agency.leader_in_charge or '分管市领导'}：\n{agency.name}{standing}，"
                 f"按规定由分管市领导进行谈话提醒，并已下发整改通知（期限 {notice.deadline:%Y-%m-%d}）。\n"
                 f"查看：/dashboard/rectifications/{notice.pk}/")
    return commendations
