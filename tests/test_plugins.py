"""Third-party plugins, end to end: a real distribution built, pip-installed, used, uninstalled.

``tests/plugins/tensorbay-dummy`` is written the way a third party writes a plugin. It
is built into a wheel once per run and installed into the running environment; a
finalizer uninstalls it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tensorbay_core.cli import main
from tensorbay_core.errors import PluginNotFound
from tensorbay_core.storage import create_provider, get_plugins, reload_plugins
from tensorbay_core.storage.plugins import LOAD_ENV

PLUGIN_SRC = Path(__file__).parent / "plugins" / "tensorbay-dummy"
DIST = "tensorbay-dummy"

CONFORMANCE_TEST = """
import uuid

import pytest

from tensorbay_core.storage import create_provider
from tensorbay_core.storage.testing import ProviderConformance


class TestDummyProvider(ProviderConformance):
    @pytest.fixture
    def provider(self):
        bucket = f"kit-{uuid.uuid4().hex}"
        yield create_provider("dummy", "kit", "", {"bucket": bucket, "token": "dummy-token-7c1e"})
"""


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command of this environment; fail with its output if it fails."""
    base = {k: v for k, v in os.environ.items() if k != LOAD_ENV} | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        args, capture_output=True, text=True, env=base | (env or {}), cwd=cwd, timeout=600, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "pip", *args)


def gas(*args: str, env: dict[str, str] | None = None) -> str:
    """Run the installed `gas` console script."""
    script = Path(sys.executable).with_name("gas")
    return run(str(script) if script.exists() else "gas", *args, env=env).stdout


def is_installed() -> bool:
    importlib.invalidate_caches()
    try:
        importlib.metadata.version(DIST)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def dummy_wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plugin built into a wheel (from a copy, so the source tree stays clean)."""
    src = tmp_path_factory.mktemp("src") / DIST
    shutil.copytree(PLUGIN_SRC, src)
    wheels = tmp_path_factory.mktemp("wheels")
    # Offline when the build backend is here already; else pip fetches it from the index.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    pip("wheel", "--no-deps", *isolation, "--wheel-dir", str(wheels), str(src))
    yield next(wheels.glob("tensorbay_dummy-*.whl"))
    pip("uninstall", "--yes", DIST)
    sys.modules.pop("tensorbay_dummy", None)
    reload_plugins()


@pytest.fixture
def dummy(dummy_wheel: Path) -> Iterator[None]:
    """The plugin installed in this environment, with every plugin allowed to load."""
    if not is_installed():
        pip("install", "--no-deps", "--force-reinstall", str(dummy_wheel))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(LOAD_ENV, raising=False)
        reload_plugins()
        yield
    reload_plugins()


@pytest.fixture
def env() -> Iterator[pytest.MonkeyPatch]:
    """A monkeypatch undone before the plugins are loaded again."""
    with pytest.MonkeyPatch.context() as mp:
        yield mp
    reload_plugins()


def test_the_entry_point_alone_makes_it_discoverable(dummy: None) -> None:
    sys.modules.pop("tensorbay_dummy", None)
    entry = reload_plugins().providers["dummy"]
    assert "tensorbay_dummy" in sys.modules
    assert (entry.distribution, entry.version) == (DIST, "0.3.1")
    assert entry.cls.__module__ == "tensorbay_dummy"
    provider = create_provider("dummy", "mem", "datasets", {"bucket": f"b-{uuid.uuid4().hex}", "token": "t"})
    provider.check_connection()
    assert [f["name"] for f in entry.cls.describe()["fields"]] == ["bucket", "token"]


def test_gas_plugins_lists_it(dummy: None) -> None:
    text = gas("plugins")
    assert "dummy  (tensorbay-dummy 0.3.1)" in text
    assert re.search(r"token\s+required, secret\s+the access token", text)
    assert "local  (tensorbay-core" in text
    listed = {p["type"]: p for p in json.loads(gas("plugins", "--json"))["providers"]}
    assert (listed["dummy"]["distribution"], listed["dummy"]["version"]) == (DIST, "0.3.1")
    assert {f["name"]: f["secret"] for f in listed["dummy"]["fields"]} == {"bucket": False, "token": True}


def test_it_passes_the_conformance_kit(dummy: None, tmp_path: Path) -> None:
    (tmp_path / "test_dummy_conformance.py").write_text(CONFORMANCE_TEST)
    result = run(sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", cwd=tmp_path)
    passed = int(re.search(r"(\d+) passed", result.stdout).group(1))  # type: ignore[union-attr]
    assert passed >= 40 and " failed" not in result.stdout, result.stdout
    assert "does not sign" in result.stdout  # no signed URLs in memory: skipped, with the reason


def test_load_plugins_restricts_what_loads(dummy: None, env: pytest.MonkeyPatch) -> None:
    env.setenv(LOAD_ENV, "")
    assert set(reload_plugins().providers) == {"local"}
    with pytest.raises(PluginNotFound):
        create_provider("dummy", "mem", "", {"bucket": "bbb", "token": "t"})
    env.setenv(LOAD_ENV, "some-other-plugin, tensorbay-dummy")
    assert set(reload_plugins().providers) == {"local", "dummy"}
    env.setenv(LOAD_ENV, "dummy")
    assert set(reload_plugins().providers) == {"local", "dummy"}
    assert "dummy" not in gas("plugins", env={LOAD_ENV: ""})


def test_after_uninstall_the_error_says_what_to_install(dummy: None) -> None:
    pip("uninstall", "--yes", DIST)
    reload_plugins()
    with pytest.raises(PluginNotFound, match="pip install tensorbay-dummy"):
        create_provider("dummy", "mem", "", {"bucket": "bbb", "token": "t"})
    assert "dummy" not in gas("plugins")


AFTER_UNINSTALL = """
import sys, warnings
from tensorbay_core import GAS
from tensorbay_core.errors import Conflict, PluginNotFound

gas = GAS("Accesskey-x", home=sys.argv[1])
listed = {c.name: c for c in gas.list_auth_storage_configs()}
assert sorted(listed) == ["disk", "mem"], listed
assert listed["disk"].available and not listed["mem"].available
assert "pip install" in listed["mem"].problem and "tensorbay-dummy" in listed["mem"].problem
assert listed["mem"].fields == {}, "without its plugin nobody knows which fields are secret"
assert not gas.get_auth_storage_config("mem").available
try:
    gas.create_dataset("new", config_name="mem")
except PluginNotFound as exc:
    assert "tensorbay-dummy" in str(exc)
else:
    raise AssertionError("a dataset was created on a config no plugin provides")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    gas.delete_dataset("on-mem")
assert gas.list_dataset_names() == ["on-disk"]
messages = [str(w.message) for w in caught]
assert any("1 of its stored objects could not be removed" in m for m in messages), messages
try:
    gas.delete_storage_config("mem")
except Conflict as exc:
    assert "1 object" in str(exc)
else:
    raise AssertionError("the config was deleted while objects of ours are still in its storage")
print("ok")
"""


def test_configs_of_an_uninstalled_plugin_still_list(dummy: None, tmp_path: Path) -> None:
    """I7: a missing plugin makes only what needs its storage fail, and a dataset on it can
    still be deleted (saying what was left)."""
    from tensorbay_core import GAS
    from tensorbay_core.dataset import Data, Dataset

    home = tmp_path / "home"
    gas_client = GAS("Accesskey-x", home=str(home))
    gas_client.create_storage_config("dummy", "mem", "", bucket=f"b-{uuid.uuid4().hex[:8]}", token="t0k3n")
    (tmp_path / "disk").mkdir()
    gas_client.create_local_storage_config("disk", str(tmp_path / "disk"))
    (tmp_path / "file.bin").write_bytes(b"bytes in the dummy bucket")
    for name, config in (("on-mem", "mem"), ("on-disk", "disk")):
        gas_client.create_dataset(name, config_name=config)
        dataset = Dataset(name)
        dataset.create_segment().append(Data(str(tmp_path / "file.bin")))
        gas_client.upload_dataset(dataset, quiet=True, commit="one file")
    pip("uninstall", "--yes", DIST)
    result = run(sys.executable, "-c", AFTER_UNINSTALL, str(home))
    assert result.stdout.strip() == "ok"


# -- plugins that misbehave, as distributions on sys.path (no pip needed) ------------------


def fake_distribution(where: Path, name: str, module: str, source: str | None) -> None:
    """A minimal installed distribution offering entry point ``module`` in group ``tensorbay``."""
    info = where / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tensorbay]\n{module} = {module}\n")
    if source is not None:
        (where / f"{module}.py").write_text(source)


PLUGIN_TEMPLATE = """
from tensorbay_core.storage import hookimpl
from tensorbay_core.storage.local import LocalProvider


class Provider(LocalProvider):
    type = {type!r}


@hookimpl
def register_storage_providers(register):
    register({registered})
"""


def test_broken_plugins_do_not_break_the_others(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    env.delenv(LOAD_ENV, raising=False)
    prefix = f"tb_{uuid.uuid4().hex[:8]}"
    fake_distribution(tmp_path, "tensorbay-missing", f"{prefix}_missing", None)
    fake_distribution(
        tmp_path,
        "tensorbay-notaprovider",
        f"{prefix}_bad",
        PLUGIN_TEMPLATE.format(type="bad", registered="object"),
    )
    fake_distribution(
        tmp_path,
        "tensorbay-duplicate",
        f"{prefix}_dup",
        PLUGIN_TEMPLATE.format(type="local", registered="Provider"),
    )
    fake_distribution(
        tmp_path,
        "tensorbay-fine",
        f"{prefix}_fine",
        PLUGIN_TEMPLATE.format(type="fine", registered="Provider"),
    )
    env.syspath_prepend(str(tmp_path))
    plugins = reload_plugins()
    assert set(plugins.failures) == {"tensorbay-missing", "tensorbay-notaprovider"}
    assert "ModuleNotFoundError" in plugins.failures["tensorbay-missing"]
    assert plugins.providers["local"].distribution == "tensorbay-core"
    assert plugins.providers["fine"].distribution == "tensorbay-fine"
    with pytest.raises(PluginNotFound, match="tensorbay-missing failed to load"):
        create_provider("missing", "x", "", {})
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0
    assert "fine  (tensorbay-fine 1.0)" in result.stdout
    assert "failed to load tensorbay-missing: ModuleNotFoundError" in result.stderr
    assert get_plugins() is plugins


def test_the_guide_shows_the_plugin_as_it_is() -> None:
    guide = (Path(__file__).parents[1] / "docs" / "writing-a-storage-plugin.md").read_text()
    for name in ("pyproject.toml", "tensorbay_dummy/__init__.py"):
        assert (PLUGIN_SRC / name).read_text().strip() in guide, f"docs show an outdated {name}"
    assert CONFORMANCE_TEST.strip() in guide
