"""The layering docs/architecture.md promises, checked on the source: what each layer imports,
and that the service and the server name no storage type."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tensorbay_core.storage import get_plugins

PACKAGE = Path(__file__).resolve().parents[1] / "tensorbay_core"


def project_imports(module: Path) -> set[str]:
    """The ``tensorbay_core`` modules a file imports, as dotted names."""
    package = ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.startswith("tensorbay_core"):
                found.add(name)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("tensorbay_core"))
    return found


def layer(name: str) -> list[Path]:
    return sorted((PACKAGE / name).rglob("*.py"))


@pytest.mark.parametrize(
    ("name", "may_not"),
    [
        ("api", ("client", "service", "server", "storage", "builtins", "dataset", "label", "fs")),
        ("client", ("service", "server", "builtins", "fs", "cli")),
        ("service", ("client", "server", "builtins", "fs")),
        ("server", ("client", "builtins", "fs")),
        ("storage", ("client", "service", "server", "builtins", "api", "fs")),
        # tb:// is a user of the SDK: the same in embedded mode and against a server
        ("fs", ("service", "server", "builtins", "storage", "api", "cli")),
    ],
)
def test_a_layer_imports_nothing_above_or_beside_it(name: str, may_not: tuple[str, ...]) -> None:
    for module in layer(name):
        for imported in project_imports(module):
            part = imported.split(".")[1] if "." in imported else ""
            if name == "client" and module.name == "gas.py" and part == "service":
                continue  # GAS() opens the embedded service, lazily, when no url is given
            if name == "client" and module.name == "embedded.py" and part == "service":
                continue  # the embedded transport is the service in this process
            assert part not in may_not, f"{module.relative_to(PACKAGE)} imports {imported}"


def test_the_service_and_the_server_name_no_storage_type() -> None:
    types = set(get_plugins().providers)
    assert "local" in types
    for module in [*layer("service"), *layer("server")]:
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Constant) and node.value in types:
                assert module.name == "logs.py", (
                    f"{module.relative_to(PACKAGE)} names storage type {node.value!r}"
                )
