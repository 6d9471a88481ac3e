from django.apps import AppConfig


class OrgsConfig(AppConfig):
    """社会组织: registry, filing, incubation, oversight and the recommended catalogue (manifest.py)."""

    name = "civicgrid.orgs"
    verbose_name = "社会组织"
