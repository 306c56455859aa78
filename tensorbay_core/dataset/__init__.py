"""The dataset model: ``Dataset`` of ``Segment``s of ``Data``/``AuthData``/``RemoteData``, and ``Notes``."""

from .data import AuthData, Data, RemoteData
from .dataset import Dataset
from .notes import Notes
from .segment import Segment

__all__ = ["AuthData", "Data", "Dataset", "Notes", "RemoteData", "Segment"]
