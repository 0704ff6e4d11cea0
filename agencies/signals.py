"""An account's API token dies when its password changes or the account is disabled.

On `pre_save` of a user, so every way of changing either (the admin's password form, the
`changepassword` command, `user.set_password(); user.save()`, unticking "active") revokes it.
"""
from __future__ import annotations

from django.db.models.signals import pre_save
from django.dispatch import receiver

from conduct_eval.authentication import tokens_revoke

from .models import User


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
