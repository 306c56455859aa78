"""Declarative JSON fields: a class lists its fields once; ``loads`` and ``dumps`` follow.

A field is a dataclass field made by :func:`wire`: a codec (how one JSON value is checked,
loaded and dumped) and a wire key (the camelCase attribute name unless given). A field without
a default is required; an optional field left at ``None`` is not dumped, so a key absent in the
input is absent in the output. Loading checks everything before building anything and fails
with one error naming the class, the key path and the offending value.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Self, dataclass_transform

from ..errors import LabelError, TensorBayError

SHOWN_CHARS = 60


def shorten(value: Any) -> str:
    """``repr(value)``, cut to a readable length for error messages."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def is_number(value: Any) -> bool:
    """A JSON number: int or finite float, never bool."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


@dataclasses.dataclass(frozen=True)
class Where:
    """Where a value sits while loading: the type reported, the key path, the error class."""

    name: str
    path: str = ""
    error: type[TensorBayError] = LabelError

    def at(self, key: str | int) -> Where:
        """The location of a key (or list index) inside this one."""
        if isinstance(key, int):
            return dataclasses.replace(self, path=f"{self.path}[{key}]")
        return dataclasses.replace(self, path=f"{self.path}.{key}" if self.path else key)

    def fail(self, problem: str) -> TensorBayError:
        """The error to raise for ``problem`` found here."""
        where = f" at {self.path}" if self.path else ""
        return self.error(f"invalid {self.name}{where}: {problem}")


class Codec(ABC):
    """Checks and converts one JSON value."""

    @abstractmethod
    def load(self, value: Any, where: Where) -> Any:
        """The Python value for a JSON value; raise ``where.fail(...)`` if it does not fit."""

    def dump(self, value: Any) -> Any:
        """The JSON value for a Python value."""
        return value


class Scalar(Codec):
    """A JSON scalar accepted by a predicate, kept as is."""

    def __init__(self, expected: str, accepts: Callable[[Any], bool]) -> None:
        self.expected = expected
        self.accepts = accepts

    def load(self, value: Any, where: Where) -> Any:
        if not self.accepts(value):
            raise where.fail(f"expected {self.expected}, got {shorten(value)}")
        return value


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


STRING = Scalar("a string", lambda v: isinstance(v, str))
BOOLEAN = Scalar("a boolean", lambda v: isinstance(v, bool))
COUNT = Scalar("a non-negative integer", lambda v: _is_integer(v) and v >= 0)
NUMBER = Scalar("a finite number", is_number)


class Choice(Codec):
    """One string out of a fixed set."""

    def __init__(self, *values: str) -> None:
        self.values = values

    def load(self, value: Any, where: Where) -> Any:
        if not (isinstance(value, str) and value in self.values):
            raise where.fail(f"expected one of {', '.join(self.values)}, got {shorten(value)}")
        return value


class ListOf(Codec):
    """A JSON array whose items all use one codec."""

    def __init__(self, item: Codec) -> None:
        self.item = item

    def load(self, value: Any, where: Where) -> Any:
        if not isinstance(value, list):
            raise where.fail(f"expected a list, got {shorten(value)}")
        return [self.item.load(v, where.at(i)) for i, v in enumerate(value)]

    def dump(self, value: Any) -> Any:
        return [self.item.dump(v) for v in value]


class OneOrMany(Codec):
    """Either one value or a list of values of one codec."""

    def __init__(self, item: Codec) -> None:
        self.item = item
        self.many = ListOf(item)

    def load(self, value: Any, where: Where) -> Any:
        return self.many.load(value, where) if isinstance(value, list) else self.item.load(value, where)

    def dump(self, value: Any) -> Any:
        return self.many.dump(value) if isinstance(value, list) else self.item.dump(value)


class Nullable(Codec):
    """A codec's value, or JSON null."""

    def __init__(self, item: Codec) -> None:
        self.item = item

    def load(self, value: Any, where: Where) -> Any:
        return None if value is None else self.item.load(value, where)

    def dump(self, value: Any) -> Any:
        return None if value is None else self.item.dump(value)


class JSONValue(Codec):
    """Any JSON value (finite numbers, string keys); with ``object_only``, a JSON object."""

    def __init__(self, object_only: bool = False) -> None:
        self.object_only = object_only

    def load(self, value: Any, where: Where) -> Any:
        if self.object_only and not isinstance(value, dict):
            raise where.fail(f"expected an object, got {shorten(value)}")
        return self._copy(value, where)

    def _copy(self, value: Any, where: Where) -> Any:
        if value is None or isinstance(value, bool | str) or is_number(value):
            return value
        if isinstance(value, list):
            return [self._copy(v, where.at(i)) for i, v in enumerate(value)]
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise where.fail(f"object keys must be strings, got {shorten(key)}")
            return {k: self._copy(v, where.at(k)) for k, v in value.items()}
        raise where.fail(f"expected a JSON value, got {shorten(value)}")

    def dump(self, value: Any) -> Any:
        return copy.deepcopy(value)


JSON_VALUE = JSONValue()
ATTRIBUTES = JSONValue(object_only=True)


class Nested(Codec):
    """A JSON object loaded by a :class:`Serializable` class."""

    def __init__(self, cls: type[Serializable]) -> None:
        self.cls = cls

    def load(self, value: Any, where: Where) -> Any:
        return self.cls.load_at(value, where)

    def dump(self, value: Any) -> Any:
        return value.dumps()


def wire(
    codec: Codec,
    *,
    key: str | None = None,
    default: Any = dataclasses.MISSING,
    kw_only: Any = dataclasses.MISSING,
) -> Any:
    """Declare a serialized field: its codec, its wire key and (if optional) its default."""
    return dataclasses.field(default=default, kw_only=kw_only, metadata={"codec": codec, "key": key})


@dataclasses.dataclass(frozen=True)
class WireField:
    """A field as serialized: attribute name, JSON key, codec, whether it must be present."""

    name: str
    key: str
    codec: Codec
    required: bool


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _collect(cls: type[Serializable]) -> tuple[WireField, ...]:
    case = str.upper if cls._key_case == "upper" else _camel
    return tuple(
        WireField(
            f.name,
            f.metadata["key"] or case(f.name),
            f.metadata["codec"],
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if "codec" in f.metadata
    )


@dataclass_transform(field_specifiers=(wire,))
class Serializable:
    """Base of every JSON-shaped class: subclasses become dataclasses with loads/dumps."""

    _key_case: ClassVar[str] = "camel"
    #: Parts (geometry, catalog entries) report errors under their container's name.
    _is_part: ClassVar[bool] = False
    _error: ClassVar[type[TensorBayError]] = LabelError
    #: The serialized fields, in declaration order (set for each subclass).
    wire_fields: ClassVar[tuple[WireField, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(repr=False)(cls)
        cls.wire_fields = _collect(cls)

    @classmethod
    def loads(cls, contents: dict[str, Any]) -> Self:
        """Build from TensorBay JSON; malformed input raises one error, nothing half-built."""
        return cls.load_at(contents, Where(cls.__name__, error=cls._error))

    @classmethod
    def load_at(cls, contents: Any, where: Where) -> Self:
        """Build from JSON found at ``where`` (used for nesting)."""
        if not cls._is_part:
            where = dataclasses.replace(where, name=cls.__name__)
        if not isinstance(contents, dict):
            raise where.fail(f"expected an object, got {shorten(contents)}")
        fields = cls.wire_fields
        keys = [f.key for f in fields]
        for key in contents:
            if key not in keys:
                raise where.fail(f"unknown key {shorten(key)}; expected some of: {', '.join(keys)}")
        values = {}
        for f in fields:
            if f.key in contents:
                values[f.name] = f.codec.load(contents[f.key], where.at(f.key))
            elif f.required:
                raise where.fail(f"missing required key {f.key!r}")
        result = cls(**values)
        result.check(where)
        return result

    def check(self, where: Where) -> None:
        """Cross-field checks after loading; raise ``where.fail(...)``."""

    def dumps(self) -> dict[str, Any]:
        """The TensorBay JSON of this object (optional fields left at None are omitted)."""
        return {
            f.key: f.codec.dump(value)
            for f in self.wire_fields
            if (value := getattr(self, f.name)) is not None or f.required
        }

    def __repr__(self) -> str:
        shown = (
            f"{f.name}={value!r}" for f in self.wire_fields if (value := getattr(self, f.name)) is not None
        )
        return f"{type(self).__name__}({', '.join(shown)})"
