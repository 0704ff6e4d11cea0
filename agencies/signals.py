"""Model-level consequences that every way of saving must carry, whatever face saved the row.

- An account's API token dies when its password changes or the account is disabled: on `pre_save`
  of a user, so every way of changing either (the admin's password form, the `changepassword`
  command, `user.set_password(); user.save()`, unticking "active") revokes it.
- An agency's change that moves a ranking (a new active agency, its group, active flag or service
  window, or its removal) bumps the input version of every cycle, in the save's transaction. The
  admin saves agencies as plain model saves, so this lives on the model, not only in `agency_update`.
"""
from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from conduct_eval.authentication import tokens_revoke

from .models import Agency, User
from .services import cycle_inputs_changed

# The agency's fields the method reads (scoring.selectors.scoring_inputs): code, group, service window, active.
AGENCY_INPUT_FIELDS = ("code", "group_id", "has_service_window", "active")


@receiver(pre_save, sender=Agency, dispatch_uid="agencies.agency_inputs_before")
def agency_inputs_before(sender, instance: Agency, raw=False, **kwargs):
    if raw:
        return
    if instance.pk is None:
        instance._moves_rankings = instance.active
        return
    before = Agency.objects.filter(pk=instance.pk).values(*AGENCY_INPUT_FIELDS).first()
    instance._moves_rankings = before is None or any(before[f] != getattr(instance, f) for f in AGENCY_INPUT_FIELDS)


@receiver(post_save, sender=Agency, dispatch_uid="agencies.agency_inputs_changed")
def agency_inputs_changed(sender, instance: Agency, raw=False, **kwargs):
    if not raw and getattr(instance, "_moves_rankings", False):
        instance._moves_rankings = False
        cycle_inputs_changed(all_cycles=True)


@receiver(post_delete, sender=Agency, dispatch_uid="agencies.agency_inputs_deleted")
def agency_inputs_deleted(sender, instance: Agency, **kwargs):
    cycle_inputs_changed(all_cycles=True)


@receiver(pre_save, sender=User, dispatch_uid="agencies.revoke_tokens_on_credential_change")
def revoke_tokens_on_credential_change(sender, instance: User, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in: nothing to compare, no extra query
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        tokens_revoke(instance)
