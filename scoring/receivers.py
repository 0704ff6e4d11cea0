"""An indicator's change moves its cycle's scores: every save or removal raises the input version.

On the model rather than only in `indicator_create`, because the admin changes an indicator's
maximum (and removes one) as a plain model save; the receiver runs in the save's transaction.
"""
from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agencies.services import cycle_inputs_changed

from .models import Indicator


@receiver(post_save, sender=Indicator, dispatch_uid="scoring.indicator_inputs_changed")
@receiver(post_delete, sender=Indicator, dispatch_uid="scoring.indicator_inputs_deleted")
def indicator_inputs_changed(sender, instance: Indicator, raw=False, **kwargs):
    if not raw:
        cycle_inputs_changed(instance.cycle_id)
