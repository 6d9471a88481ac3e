"""Who may open a completion photo (MEDIA_ROOT/services/...): staff who see the order, its provider."""
from __future__ import annotations


def may_see(request, relpath: str) -> bool:
    from .models import Order
    from .selectors import orders

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    return orders(user).filter(photo=relpath).exists() and Order.objects.filter(photo=relpath).exists()
