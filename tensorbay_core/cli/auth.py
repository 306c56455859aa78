"""``gas auth`` (profiles: an access key and a server) and ``gas config`` (CLI settings)."""

from __future__ import annotations

import click

from ..client.profiles import (
    SETTINGS,
    Profile,
    list_profiles,
    remove_profiles,
    save_profile,
    set_setting,
    settings,
)
from .output import echo_json, json_option, table
from .session import session


def _where(profile: Profile) -> str:
    return profile.url or "embedded ($TENSORBAY_HOME)"


def _show(profiles: list[Profile], as_json: bool) -> None:
    if as_json:
        echo_json([{"profile": p.name, "url": p.url, "accessKey": p.masked_key} for p in profiles])
        return
    table([[p.name, p.masked_key, _where(p)] for p in profiles], ("cyan", None, None))


@click.command("auth")
@click.argument("access_key", required=False)
@click.option("--url", default="", help="the `gas serve` to use (default: the embedded service)")
@click.option("-g", "--get", "get_", is_flag=True, help="show the profile (never the whole key)")
@click.option("-u", "--unset", is_flag=True, help="remove the profile")
@click.option("-a", "--all", "all_", is_flag=True, help="with --get or --unset: every profile")
@json_option
def auth(access_key: str | None, url: str, get_: bool, unset: bool, all_: bool, as_json: bool) -> None:
    """Save an access key (and server URL) as a profile in ~/.gasconfig.

    The key is checked against the server before it is saved. With no ACCESS_KEY it is
    asked for, without echo (so it stays out of your shell history). Choose the profile
    with `gas -p PROFILE auth ...`.
    """
    current = session()
    if get_ and unset:
        raise click.UsageError("use --get or --unset, not both")
    if (get_ or unset) and (access_key or url):
        raise click.UsageError("--get and --unset take no ACCESS_KEY or --url")
    if all_ and not (get_ or unset):
        raise click.UsageError("--all goes with --get or --unset")
    if get_:
        profiles = list_profiles() if all_ else [current.profile()]
        _show(profiles, as_json)
        return
    if unset:
        names = [p.name for p in list_profiles()] if all_ else [current.profile_name]
        removed = remove_profiles(names)
        if not removed:
            raise click.ClickException(
                f"no profile {current.profile_name!r} in ~/.gasconfig: nothing to remove"
            )
        click.echo(
            f"Removed profile(s) {', '.join(removed)}; without a profile, commands use the embedded default"
        )
        return
    if not access_key:
        access_key = click.prompt("Access key", hide_input=True)
    from ..client import GAS

    GAS(access_key, url=url.rstrip("/")).list_dataset_names()  # a wrong key or URL fails here, not later
    profile = Profile(current.profile_name, access_key, url.rstrip("/"))
    save_profile(profile)
    click.echo(f"Profile {profile.name!r} now uses {_where(profile)} with key {profile.masked_key}")


@click.command("config")
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option("-u", "--unset", is_flag=True, help="remove KEY")
def config(key: str | None, value: str | None, unset: bool) -> None:
    """Show the CLI's settings, show one (KEY), set one (KEY VALUE) or remove one (-u KEY)."""
    if key is None:
        if unset or value is not None:
            raise click.UsageError("name the setting: gas config KEY [VALUE]")
        table([[k, v] for k, v in sorted(settings().items())])
        return
    if key not in SETTINGS:
        known = "; ".join(f"{k}: {help_}" for k, help_ in SETTINGS.items())
        raise click.UsageError(f"unknown setting {key!r}; the settings are {known}")
    if unset:
        if value is not None:
            raise click.UsageError("-u takes the setting's name only: gas config -u KEY")
        set_setting(key, None)
    elif value is None:
        click.echo(settings().get(key, ""))
    else:
        set_setting(key, value)
