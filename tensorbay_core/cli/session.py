"""What every TensorBay command needs: the profile's GAS, and a dataset client at a TBRN.

The commands use only the public SDK (``GAS`` and its clients), so one command works on
the embedded default and on a ``gas serve`` alike; the SDK is imported when a command
runs, never when ``gas --help`` lists the commands. Errors of the SDK become one line
and exit status 1; usage mistakes (a malformed TBRN) exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ..client.profiles import DEFAULT_PROFILE, EMBEDDED_KEY, Profile, load_profile
from ..errors import InvalidArgument
from .tbrn import TBRN

if TYPE_CHECKING:
    from ..client import GAS, DatasetClient


@dataclass
class Session:
    """The ``gas`` group's options, shared with its subcommands through ``ctx.obj``."""

    profile_name: str = DEFAULT_PROFILE
    explicit_profile: bool = False
    _gas: GAS | None = None

    def profile(self) -> Profile:
        """The chosen profile; the default profile, unsaved, is the embedded default."""
        found = load_profile(self.profile_name)
        if found is not None:
            return found
        if self.explicit_profile:
            raise click.ClickException(
                f"no profile {self.profile_name!r} in ~/.gasconfig: run "
                f"`gas -p {self.profile_name} auth ACCESSKEY --url URL` first"
            )
        return Profile(self.profile_name, EMBEDDED_KEY)

    def gas(self) -> GAS:
        """The profile's GAS, made once per command."""
        if self._gas is None:
            from ..client import GAS

            profile = self.profile()
            self._gas = GAS(profile.access_key or EMBEDDED_KEY, url=profile.url)
        return self._gas


def session() -> Session:
    """The current command's session."""
    return click.get_current_context().find_object(Session) or Session()


def parse_tbrn(text: str) -> TBRN:
    """A TBRN argument, or a usage error (exit 2)."""
    try:
        return TBRN.parse(text)
    except InvalidArgument as exc:
        raise click.BadParameter(exc.message, param_hint="TBRN") from None


def dataset_at(tbrn: TBRN) -> DatasetClient:
    """A client of the TBRN's dataset, at its draft or revision (default: main's head).

    A dataset with no commit yet would read as empty: say where its data is instead.
    """
    client = session().gas().get_dataset(tbrn.dataset)
    if tbrn.draft is not None:
        client.checkout(draft_number=tbrn.draft)
    elif tbrn.revision:
        client.checkout(tbrn.revision)
    elif client.commit_id is None:
        drafts = client.list_drafts()
        if drafts:
            draft = TBRN(tbrn.dataset, draft=drafts[0]["number"])
            raise click.ClickException(
                f"dataset {tbrn.dataset!r} has no commit yet: read its draft with {draft}, "
                f"or publish it with `gas commit {draft} -m MESSAGE`"
            )
    return client


def draft_of(tbrn: TBRN, action: str) -> DatasetClient:
    """A client in the TBRN's draft, which a change needs."""
    if tbrn.draft is None:
        raise click.UsageError(
            f"{action} changes a draft: name it, e.g. tb:{tbrn.dataset}#1 "
            f"(list drafts with `gas draft -l tb:{tbrn.dataset}`)"
        )
    return dataset_at(tbrn)
