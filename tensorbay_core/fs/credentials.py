"""Which GAS a ``tb://`` filesystem reads: ``storage_options``, else the ``gas auth`` profile,
else the embedded service (this machine's ``$TENSORBAY_HOME``, no server)."""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass, field

from ..client import GAS
from ..errors import InvalidArgument

#: The access key embedded mode is opened with: it names no account, any key would do.
EMBEDDED_KEY = "Accesskey-embedded"
#: Where ``gas auth`` keeps profiles, in TensorBay's format: ``[profiles]`` with
#: ``name = \n<access key>\n<url>`` (the url line is absent for TensorBay's own cloud).
PROFILE_FILE = "~/.gasconfig"


@dataclass(frozen=True)
class Credentials:
    """What a filesystem connects with; holds no connection, so it crosses forks and pickles."""

    access_key: str | None = field(default=None, repr=False)
    url: str | None = None
    home: str | None = None
    profile: str | None = None

    def connect(self) -> GAS:
        """A new GAS for this process (each worker process calls it for its own)."""
        if self.access_key or self.url:
            return GAS(self.access_key or EMBEDDED_KEY, self.url or "", home=self.home)
        found = read_profile(self.profile or "default", required=self.profile is not None)
        if found is not None:
            return GAS(found[0], found[1], home=self.home)
        return GAS(EMBEDDED_KEY, home=self.home)


def read_profile(name: str, *, required: bool) -> tuple[str, str] | None:
    """``(access key, url)`` of a ``gas auth`` profile; None when there is none and none was
    asked for by name."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.expanduser(PROFILE_FILE), encoding="utf-8")
    value = parser.get("profiles", name, fallback=None)
    if value is None:
        if required:
            raise InvalidArgument(
                f"no gas auth profile named {name!r} in {PROFILE_FILE}; run `gas auth` or pass "
                "storage_options={'access_key': ..., 'url': ...}"
            )
        return None
    lines = [line.strip() for line in value.strip().splitlines() if line.strip()]
    if not lines:
        raise InvalidArgument(
            f"gas auth profile {name!r} in {PROFILE_FILE} has no access key; run `gas auth`"
        )
    return lines[0], lines[1] if len(lines) > 1 else ""
