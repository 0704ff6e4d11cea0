"""Signals scoring sends; other apps connect to them (scoring never imports them).

`final_snapshot_published(sender=RankingSnapshot, snapshot=...)` is sent after the commit
that stored a cycle's final annual snapshot: the rectification app publishes the
commendation list and issues reminder-talk and rectification notices for warned agencies.
"""
from django.dispatch import Signal

final_snapshot_published = Signal()
