"""``gas plugins``: the installed storage providers, where they come from, and their fields."""

from __future__ import annotations

import json
from typing import Any

import click

from ..storage import get_plugins


def _field_line(field: dict[str, Any], width: int) -> str:
    traits = ["required" if field["required"] else "optional"]
    if field["secret"]:
        traits.append("secret")
    if field.get("generated"):
        traits.append("made by the service")
    if field["type"] != "str":
        traits.append(field["type"])
    return f"    {field['name']:<{width}}  {', '.join(traits):<18}  {field['help']}".rstrip()


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")
def plugins(as_json: bool) -> None:
    """List the storage providers of the installed plugins, with their config fields."""
    loaded = get_plugins()
    providers = loaded.describe()
    if as_json:
        click.echo(json.dumps({"providers": providers, "failures": loaded.failures}, indent=2))
        return
    for provider in providers:
        click.echo(f"{provider['type']}  ({provider['distribution']} {provider['version']})".rstrip())
        if provider["description"]:
            click.echo(f"    {provider['description']}")
        width = max([len("file_path")] + [len(f["name"]) for f in provider["fields"]])
        click.echo(f"    {'file_path':<{width}}  {'required':<18}  {provider['filePath']}".rstrip())
        for field in provider["fields"]:
            click.echo(_field_line(field, width))
    for distribution, reason in sorted(loaded.failures.items()):
        click.echo(f"failed to load {distribution}: {reason}", err=True)
