"""Signals scoring sends; other apps connect to them (scoring never imports them).

`final_snapshot_published(sender=RankingSnapshot, snapshot=...)` is sent by
`services.publication_carry_out`, the outbox of a cycle's final annual snapshot, inside the
transaction that marks the publication done: the rectification app publishes the commendation
list and issues reminder-talk and rectification notices for warned agencies. A receiver must be
idempotent (the sweep may announce a snapshot again after a failure) and may raise to roll it all back.
"""
from django.dispatch import Signal

final_snapshot_published = Signal()
