from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civicgrid.people"
    verbose_name = "基础数据"

    def ready(self) -> None:
        # Tiles, the anonymisation task, personal-data fields, audit labels: people/manifest.py.
        self._register_address_resolver()

    def _register_address_resolver(self) -> None:
        """The public roster asks registered resolvers to turn a typed address into a point."""
        try:
            from civicgrid.regions import addresses
        except ImportError:
            return
        from .addresses import resolve_building_address, resolve_place_name

        addresses.register_resolver(resolve_building_address, order=40)  # a building is more specific than a region name
        addresses.register_resolver(resolve_place_name, order=45)  # a named shop/school/clinic, then region names
