"""Team mode: the GAS service over HTTP (``gas serve``)."""

from .app import API_PREFIX, create_app
from .team import STORAGE_ROUTE, team_service

__all__ = ["API_PREFIX", "STORAGE_ROUTE", "create_app", "team_service"]
