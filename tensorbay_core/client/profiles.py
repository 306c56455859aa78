"""``~/.gasconfig``: profiles (an access key and a server URL each) and the CLI's settings.

The ``gas`` command and ``tb://`` URLs find who they are here: ``gas auth`` once, and both
reach the same server. An INI file, as TensorBay's CLI keeps it: one ``[profile NAME]``
section per profile and a ``[config]`` section for ``gas config``. It holds access keys, so
it is written 0600 and replaced atomically (a crash never leaves half a file). No profile
means the embedded default: the service runs in the caller's process on $TENSORBAY_HOME.
"""

from __future__ import annotations

import configparser
import os
import tempfile
from dataclasses import dataclass

DEFAULT_PROFILE = "default"
#: Embedded mode accepts any key; this one is used when no profile names one.
EMBEDDED_KEY = "Accesskey-embedded"
CONFIG_SECTION = "config"
#: What ``gas config`` may set, and what each does.
SETTINGS = {"editor": "the editor `gas draft -e` and `gas commit` open (default $VISUAL, $EDITOR)"}
_PROFILE = "profile "


@dataclass(frozen=True)
class Profile:
    """Who the CLI is and where it goes: no ``url`` is the embedded default."""

    name: str
    access_key: str
    url: str = ""

    @property
    def masked_key(self) -> str:
        """Enough of the key to tell keys apart, never the key."""
        return f"{self.access_key[:10]}...{self.access_key[-4:]}" if len(self.access_key) > 20 else "****"


def config_path() -> str:
    """``~/.gasconfig`` of the current user (HOME decides, so tests and users can isolate it)."""
    return os.path.join(os.path.expanduser("~"), ".gasconfig")


def _read() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_path())
    return parser


def _write(parser: configparser.ConfigParser) -> None:
    path = config_path()
    descriptor, temporary = tempfile.mkstemp(prefix=".gasconfig.", dir=os.path.dirname(path))
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as fp:
            parser.write(fp)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load_profile(name: str) -> Profile | None:
    """The named profile, or None if ``gas auth`` never saved it."""
    parser = _read()
    section = _PROFILE + name
    if not parser.has_section(section):
        return None
    return Profile(
        name, parser.get(section, "accessKey", fallback=""), parser.get(section, "url", fallback="")
    )


def list_profiles() -> list[Profile]:
    """Every saved profile, by name."""
    parser = _read()
    names = sorted(s[len(_PROFILE) :] for s in parser.sections() if s.startswith(_PROFILE))
    return [profile for name in names if (profile := load_profile(name)) is not None]


def save_profile(profile: Profile) -> None:
    """Add or replace a profile."""
    parser = _read()
    parser[_PROFILE + profile.name] = {"accessKey": profile.access_key, "url": profile.url}
    _write(parser)


def remove_profiles(names: list[str]) -> list[str]:
    """Remove the named profiles; return those that existed."""
    parser = _read()
    removed = [name for name in names if parser.remove_section(_PROFILE + name)]
    if removed:
        _write(parser)
    return removed


def settings() -> dict[str, str]:
    """The ``gas config`` settings."""
    parser = _read()
    return dict(parser[CONFIG_SECTION]) if parser.has_section(CONFIG_SECTION) else {}


def set_setting(key: str, value: str | None) -> None:
    """Set a setting, or remove it (``value`` None)."""
    parser = _read()
    if not parser.has_section(CONFIG_SECTION):
        parser.add_section(CONFIG_SECTION)
    if value is None:
        parser.remove_option(CONFIG_SECTION, key)
    else:
        parser.set(CONFIG_SECTION, key, value)
    _write(parser)
