from django.apps import AppConfig


class MediationConfig(AppConfig):
    """矛盾纠纷排查化解. Everything it adds to the whole is declared in manifest.py."""

    name = "civicgrid.mediation"
    verbose_name = "矛盾纠纷调解"
