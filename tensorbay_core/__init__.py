"""tensorbay-core: an open dataset platform with pluggable storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["GAS", "__version__"]

if TYPE_CHECKING:
    from .client.gas import GAS


def __getattr__(name: str) -> Any:
    if name == "GAS":
        from .client.gas import GAS

        return GAS
    raise AttributeError(name)
