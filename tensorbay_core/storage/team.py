"""What a provider learns about a shared server (``gas serve``), to apply its own rules there.

The service knows nothing of any provider type. In team mode it hands each provider this
context when a config is made (``StorageProvider.for_team``) and every time one is built
(``check_for_team``); a provider that reaches the server's own disk (``local``) confines
configs to the user's area with it, one that reaches a network service needs none of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class TeamContext:
    """The server a config lives on, and the user who owns it."""

    #: The URL clients reach the server at (``--public-url``).
    server_url: str
    #: Real paths of the directories of the server's machine that users' configs may use
    #: (``--local-root``); none means no user may use the server's disk.
    host_roots: tuple[str, ...]
    #: The owner's user name ("" for the server's own default storage).
    user_name: str

    def user_areas(self) -> list[str]:
        """The user's own directories: ``<root>/<user name>`` for each root."""
        if not self.user_name:
            return []
        return [os.path.join(root, self.user_name) for root in self.host_roots]
