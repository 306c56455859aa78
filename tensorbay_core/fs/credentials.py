"""Which GAS a ``tb://`` filesystem reads: ``storage_options``, else the ``gas auth`` profile,
else the embedded service (this machine's ``$TENSORBAY_HOME``, no server)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..client import GAS
from ..client.profiles import DEFAULT_PROFILE, EMBEDDED_KEY, load_profile
from ..errors import InvalidArgument


@dataclass(frozen=True)
class Credentials:
    """What a filesystem connects with; holds no connection, so it crosses forks and pickles."""

    access_key: str | None = field(default=None, repr=False)
    url: str | None = None
    home: str | None = None
    profile: str | None = None

    def connect(self) -> GAS:
        """A new GAS for this process (each worker process calls it for its own). The
        profile is the one ``gas auth`` wrote, so ``tb://`` reads the CLI's server."""
        if self.access_key or self.url:
            return GAS(self.access_key or EMBEDDED_KEY, self.url or "", home=self.home)
        found = load_profile(self.profile or DEFAULT_PROFILE)
        if found is not None:
            return GAS(found.access_key or EMBEDDED_KEY, found.url, home=self.home)
        if self.profile is not None:
            raise InvalidArgument(
                f"no gas auth profile named {self.profile!r} in ~/.gasconfig: run "
                f"`gas -p {self.profile} auth ACCESSKEY --url URL`, or pass "
                "storage_options={'access_key': ..., 'url': ...}"
            )
        return GAS(EMBEDDED_KEY, home=self.home)
