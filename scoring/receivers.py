"""An indicator's change moves its cycle's scores: every save or removal raises the input version.

On the model rather than only in `indicator_create`, because the admin changes an indicator's
maximum (and removes one) as a plain model save; the receiver runs in the save's transaction.

A rename of an agency or a group renders the dashboard's cached parts again (scoring/dashboard_parts.py).
"""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agencies.models import Agency, AgencyGroup
from agencies.services import cycle_inputs_changed

from . import dashboard_parts
from .models import Indicator


@receiver(post_save, sender=Indicator, dispatch_uid="scoring.indicator_inputs_changed")
@receiver(post_delete, sender=Indicator, dispatch_uid="scoring.indicator_inputs_deleted")
def indicator_inputs_changed(sender, instance: Indicator, raw=False, **kwargs):
    if not raw:
        cycle_inputs_changed(instance.cycle_id)


@receiver(post_save, sender=Agency, dispatch_uid="scoring.agency_names_changed")
@receiver(post_delete, sender=Agency, dispatch_uid="scoring.agency_names_deleted")
@receiver(post_save, sender=AgencyGroup, dispatch_uid="scoring.group_names_changed")
@receiver(post_delete, sender=AgencyGroup, dispatch_uid="scoring.group_names_deleted")
def dashboard_names_changed(sender, instance, raw=False, **kwargs):
    """The dashboard's cached parts show agencies' and groups' names: a save or removal renders them again, at once
    and once more after the commit (a request between the two could have stored the old names again)."""
    if not raw:
        dashboard_parts.names_changed()
        transaction.on_commit(dashboard_parts.names_changed)
