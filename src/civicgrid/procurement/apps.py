from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    """政府购买社会组织服务 and 公益创投: calls, bids, scoring, contracts, evaluation, payment (manifest.py)."""

    name = "civicgrid.procurement"
    verbose_name = "政府购买服务"
