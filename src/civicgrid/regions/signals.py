from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import geo
from .models import Region


@receiver(post_save, sender=Region)
@receiver(post_delete, sender=Region)
def _grid_changed(sender, instance, **kwargs):
    if instance.level == "grid":
        geo.invalidate()
