"""Attribute descriptions of a catalog, and the check of an attribute value against them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import LabelError
from .fields import (
    JSON_VALUE,
    NUMBER,
    STRING,
    Choice,
    ListOf,
    Nested,
    OneOrMany,
    Serializable,
    is_number,
    shorten,
    wire,
)

TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "null": lambda v: v is None,
    "number": is_number,
    "string": lambda v: isinstance(v, str),
}


def _same(value: Any, option: Any) -> bool:
    """JSON equality: ``True`` is not ``1``."""
    return isinstance(value, bool) == isinstance(option, bool) and value == option


class Items(Serializable):
    """Constraints on a value: ``type`` (one or a list), ``enum``, ``minimum``/``maximum``."""

    _is_part = True

    type: str | list[str] | None = wire(OneOrMany(Choice(*TYPE_CHECKS)), default=None, kw_only=True)
    enum: list[Any] | None = wire(ListOf(JSON_VALUE), default=None, kw_only=True)
    minimum: float | None = wire(NUMBER, default=None, kw_only=True)
    maximum: float | None = wire(NUMBER, default=None, kw_only=True)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks these constraints, or None if it does not."""
        types = [self.type] if isinstance(self.type, str) else self.type
        if types is not None and not any(TYPE_CHECKS[t](value) for t in types):
            return f"{shorten(value)} is not of type {' or '.join(types)}"
        if self.enum is not None and not any(_same(value, option) for option in self.enum):
            return f"{shorten(value)} is not one of {shorten(self.enum)}"
        if is_number(value):
            if self.minimum is not None and value < self.minimum:
                return f"{value!r} is below the minimum {self.minimum!r}"
            if self.maximum is not None and value > self.maximum:
                return f"{value!r} is above the maximum {self.maximum!r}"
        return None


class AttributeInfo(Items):
    """An attribute: ``{"name", "parentCategories"?, "description"?, "items"?}`` plus :class:`Items` keys."""

    name: str = wire(STRING)
    items: Items | None = wire(Nested(Items), default=None, kw_only=True)
    parent_categories: list[str] | None = wire(ListOf(STRING), default=None, kw_only=True)
    description: str | None = wire(STRING, default=None, kw_only=True)

    def problem(self, value: Any) -> str | None:
        """As :meth:`Items.problem`, and ``items`` applied to each element of an array."""
        found = super().problem(value)
        if found is None and self.items is not None and isinstance(value, list):
            for i, element in enumerate(value):
                if (inner := self.items.problem(element)) is not None:
                    return f"item {i}: {inner}"
        return found

    def applies_to(self, category: str | None, delimiter: str | None) -> bool:
        """Whether the attribute may be given for ``category`` (a parent covers its children)."""
        if self.parent_categories is None or category is None:
            return True
        return any(
            category == parent or (delimiter is not None and category.startswith(parent + delimiter))
            for parent in self.parent_categories
        )


def listing(names: list[str], limit: int = 10) -> str:
    """``a, b, c`` (cut after ``limit`` names) for error messages."""
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" ... ({len(names)} in all)" if len(names) > limit else "") if names else "none"


def check_attributes(
    infos: list[AttributeInfo] | None,
    attributes: dict[str, Any] | None,
    category: str | None,
    delimiter: str | None,
    where: str,
) -> None:
    """Raise LabelError at ``where`` for an unknown, misplaced or out-of-range attribute."""
    if infos is None or not attributes:
        return
    by_name = {info.name: info for info in infos}
    for name, value in attributes.items():
        info = by_name.get(name)
        if info is None:
            raise LabelError(f"{where}: unknown attribute {name!r}; the catalog has {listing(list(by_name))}")
        if not info.applies_to(category, delimiter):
            raise LabelError(
                f"{where}: attribute {name!r} applies to categories {listing(info.parent_categories or [])}, "
                f"not to {category!r}"
            )
        if (problem := info.problem(value)) is not None:
            raise LabelError(f"{where}: attribute {name!r}: {problem}")
