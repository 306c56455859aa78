"""Storage config values: field schemas, secrets and the validated config object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidConfig


class Secret:
    """A secret value that never shows itself in ``repr``, ``str`` or formatting."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plain value, for the one place that must pass it to a backend."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Field:
    """One config field a provider declares.

    ``generated``: the service makes the value (a random secret, such as a key that signs
    URLs) when a config is created without one; a team server always makes it and refuses
    one a user gives (a user who chose it could sign anything with it).
    """

    name: str
    required: bool = True
    secret: bool = False
    help: str = ""
    type: type = str
    default: Any = None
    generated: bool = False

    def describe(self) -> dict[str, Any]:
        """A JSON-able description, for ``gas plugins`` and the HTTP API."""
        return {
            "name": self.name,
            "required": self.required,
            "secret": self.secret,
            "help": self.help,
            "type": self.type.__name__,
            "generated": self.generated,
        }


@dataclass(frozen=True)
class StorageConfig:
    """A named, validated storage config. Secret field values are ``Secret`` objects."""

    type: str
    name: str
    file_path: str
    values: Mapping[str, Any] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()

    def public(self) -> dict[str, Any]:
        """The config as the API returns it: its fields, except the secrets."""
        shown = {k: v for k, v in self.values.items() if k not in self.secret_names}
        return {"name": self.name, "type": self.type, "filePath": self.file_path, "fields": shown}

    def revealed(self) -> dict[str, Any]:
        """Every field with secrets in plain text, for storing (encrypted) and for backends."""
        return {k: v.reveal() if isinstance(v, Secret) else v for k, v in self.values.items()}

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={'********' if k in self.secret_names else repr(v)}" for k, v in self.values.items()
        )
        return f"StorageConfig(type={self.type!r}, name={self.name!r}, file_path={self.file_path!r}, {shown})"

    __str__ = __repr__


def validate_values(
    type_name: str, fields: tuple[Field, ...], values: Mapping[str, Any]
) -> tuple[dict[str, Any], frozenset[str]]:
    """Check ``values`` against ``fields``; return them typed, with secrets wrapped.

    Errors name the field, never its value.
    """
    if not isinstance(values, Mapping):
        raise InvalidConfig(
            f"the fields of a {type_name!r} config must be a mapping, not {type(values).__name__}"
        )
    known = {f.name: f for f in fields}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InvalidConfig(
            f"unknown field(s) {', '.join(unknown)} for storage type {type_name!r}; "
            f"known fields: {', '.join(known) or '(none)'}"
        )
    result: dict[str, Any] = {}
    for f in fields:
        raw: Any = values.get(f.name)
        if isinstance(raw, Secret):
            raw = raw.reveal()
        if raw is None or raw == "":
            if f.required:
                raise InvalidConfig(f"field {f.name!r} is required for storage type {type_name!r}: {f.help}")
            if f.default is not None:
                result[f.name] = f.default
            continue
        if f.type is bool and isinstance(raw, str) and raw.lower() in ("true", "false"):
            raw = raw.lower() == "true"
        if f.type is int and isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            raw = int(raw)
        if f.type is float and isinstance(raw, int) and not isinstance(raw, bool):
            raw = float(raw)
        if not isinstance(raw, f.type) or (f.type is int and isinstance(raw, bool)):
            raise InvalidConfig(
                f"field {f.name!r} of storage type {type_name!r} must be {f.type.__name__}, "
                f"not {type(raw).__name__}"
            )
        result[f.name] = Secret(str(raw)) if f.secret else raw
    return result, frozenset(f.name for f in fields if f.secret)
