"""Third-party plugins, end to end: a real distribution built, pip-installed, used, uninstalled.

``tests/plugins/tensorbay-dummy`` is written the way a third party writes a plugin (the
guide's template); ``tests/plugins/tensorbay-legacy`` is the same plugin as the guide had
it before provider contract v2. Each is built into a wheel once per run and installed into
the running environment; a finalizer uninstalls it.
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
from tensorbay_core.storage.plugins import LOAD_ENV, TRACE_ENV

PLUGINS = Path(__file__).parent / "plugins"
PLUGIN_SRC = PLUGINS / "tensorbay-dummy"
DIST = "tensorbay-dummy"
LEGACY = "tensorbay-legacy"


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


def is_installed(dist: str) -> bool:
    importlib.invalidate_caches()
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Both test plugins built into wheels (from copies, so the source tree stays clean)."""
    built = tmp_path_factory.mktemp("wheels")
    # Offline when the build backend is here already; else pip fetches it from the index.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    found = {}
    for dist in (DIST, LEGACY):
        src = tmp_path_factory.mktemp("src") / dist
        shutil.copytree(PLUGINS / dist, src)
        pip("wheel", "--no-deps", *isolation, "--wheel-dir", str(built), str(src))
        found[dist] = next(built.glob(f"{dist.replace('-', '_')}-*.whl"))
    yield found
    pip("uninstall", "--yes", DIST, LEGACY)
    for dist in (DIST, LEGACY):
        sys.modules.pop(dist.replace("-", "_"), None)
    reload_plugins()


def installed(wheels: dict[str, Path], *dists: str) -> Iterator[None]:
    """The plugins ``dists`` installed in this environment, with every plugin allowed to load."""
    for dist in dists:
        if not is_installed(dist):
            pip("install", "--no-deps", "--force-reinstall", str(wheels[dist]))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(LOAD_ENV, raising=False)
        reload_plugins()
        yield
    reload_plugins()


@pytest.fixture
def dummy(wheels: dict[str, Path]) -> Iterator[None]:
    """The dummy plugin, installed."""
    yield from installed(wheels, DIST)


@pytest.fixture
def legacy(wheels: dict[str, Path]) -> Iterator[None]:
    """The dummy plugin and the legacy one, installed."""
    yield from installed(wheels, DIST, LEGACY)


def new_bucket(token: str) -> str:
    """A bucket of the installed dummy plugin, made as its users make one."""
    from tensorbay_dummy import create_bucket  # type: ignore[import-not-found]

    name = f"b-{uuid.uuid4().hex[:12]}"
    create_bucket(name, token)
    return name


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
    assert (entry.distribution, entry.version) == (DIST, "0.4.0")
    assert entry.cls.__module__ == "tensorbay_dummy"
    provider = create_provider("dummy", "mem", "datasets", {"bucket": new_bucket("t"), "token": "t"})
    provider.check_connection()
    assert [f["name"] for f in entry.cls.describe()["fields"]] == ["bucket", "token"]


def test_gas_plugins_lists_it(dummy: None) -> None:
    text = gas("plugins")
    assert "dummy  (tensorbay-dummy 0.4.0)" in text
    assert re.search(r"token\s+required, secret\s+the access token", text)
    assert "local  (tensorbay-core" in text
    listed = {p["type"]: p for p in json.loads(gas("plugins", "--json"))["providers"]}
    assert (listed["dummy"]["distribution"], listed["dummy"]["version"]) == (DIST, "0.4.0")
    assert {f["name"]: f["secret"] for f in listed["dummy"]["fields"]} == {"bucket": False, "token": True}


def run_kit(dist: str, where: Path) -> str:
    """The plugin's own tests (its conformance class) run by pytest from a copy of its source;
    the report lists every test's outcome and the reasons of the skipped ones."""
    shutil.copytree(PLUGINS / dist / "tests", where / "tests")
    command = (sys.executable, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider", "tests")
    return run(*command, cwd=where).stdout


def test_the_template_passes_the_kit(dummy: None, tmp_path: Path) -> None:
    report = run_kit(DIST, tmp_path)
    passed = int(re.search(r"(\d+) passed", report).group(1))  # type: ignore[union-attr]
    assert passed >= 55 and " failed" not in report, report
    for test in ("test_wrong_credentials_are_refused", "test_missing_root_is_an_invalid_config"):
        assert re.search(rf"::{test} PASSED", report), report
    assert "DummyProvider does not sign GET URLs (signs = [])" in report  # skipped, with the reason


def test_a_plugin_written_to_the_old_guide_still_passes_the_kit(legacy: None, tmp_path: Path) -> None:
    report = run_kit(LEGACY, tmp_path)
    assert " failed" not in report and " error" not in report, report
    # What it does not declare is skipped, each time saying what to add.
    assert "define a `wrong_credentials` fixture" in report
    assert "LegacyProvider does not sign PUT URLs (signs = [])" in report
    plugins = get_plugins()
    assert plugins.providers["legacy"].distribution == LEGACY and not plugins.failures


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
    gas_client.create_storage_config("dummy", "mem", "", bucket=new_bucket("t0k3n"), token="t0k3n")
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
from tensorbay_core.builtins.local.provider import LocalProvider


class Provider(LocalProvider):
    type = {type!r}


@hookimpl
def register_storage_providers(register):
    register({registered})
"""

#: A plugin whose provider forgot ``root``: written to the old guide, it failed at first I/O.
NO_ROOT = """
from fsspec.implementations.memory import MemoryFileSystem
from tensorbay_core.storage import StorageProvider, hookimpl


class Rootless(StorageProvider):
    type = "rootless"

    def make_filesystem(self):
        return MemoryFileSystem()


@hookimpl
def register_storage_providers(register):
    register(Rootless)
"""


def plugin(type: str, registered: str = "Provider") -> str:
    """The source of a plugin module registering a local-disk provider of type ``type``."""
    return PLUGIN_TEMPLATE.format(type=type, registered=registered)


def test_broken_plugins_do_not_break_the_others(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    env.delenv(LOAD_ENV, raising=False)
    prefix = f"tb_{uuid.uuid4().hex[:8]}"
    fake_distribution(tmp_path, "tensorbay-missing", f"{prefix}_missing", None)
    fake_distribution(
        tmp_path,
        "tensorbay-notaprovider",
        f"{prefix}_bad",
        plugin("bad", registered="object"),
    )
    fake_distribution(
        tmp_path,
        "tensorbay-duplicate",
        f"{prefix}_dup",
        plugin("local"),
    )
    fake_distribution(
        tmp_path,
        "tensorbay-fine",
        f"{prefix}_fine",
        plugin("fine"),
    )
    fake_distribution(tmp_path, "tensorbay-rootless", f"{prefix}_rootless", NO_ROOT)
    env.syspath_prepend(str(tmp_path))
    plugins = reload_plugins()
    assert set(plugins.failures) == {"tensorbay-missing", "tensorbay-notaprovider", "tensorbay-rootless"}
    assert "ModuleNotFoundError" in plugins.failures["tensorbay-missing"]
    assert (
        "Rootless does not meet the provider contract: define `root`"
        in plugins.failures["tensorbay-rootless"]
    )
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
    for name in ("pyproject.toml", "tensorbay_dummy/__init__.py", "tests/test_conformance.py"):
        assert (PLUGIN_SRC / name).read_text().strip() in guide, f"docs show an outdated {name}"


TWINS = """
from tensorbay_core.storage import hookimpl
from tensorbay_core.builtins.local.provider import LocalProvider


class Twin(LocalProvider):
    type = "twin"
    description = {name!r}


class Local(LocalProvider):
    type = "local"
    description = {name!r}


@hookimpl{marks}
def register_storage_providers(register):
    register(Twin)
    register(Local)
"""


def test_the_hook_is_called_in_pluggys_order(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    """tryfirst is called first and so wins a type; trylast comes after the built-ins."""
    env.delenv(LOAD_ENV, raising=False)
    prefix = f"tb_{uuid.uuid4().hex[:8]}"
    wanted = {"plain": "", "first": "(tryfirst=True)", "last": "(trylast=True)"}
    for name, marks in wanted.items():
        fake_distribution(
            tmp_path, f"tensorbay-{name}", f"{prefix}_{name}", TWINS.format(name=name, marks=marks)
        )
    env.syspath_prepend(str(tmp_path))
    plugins = reload_plugins()
    assert plugins.providers["twin"].cls.description == "first"
    assert plugins.providers["local"].cls.description == "first"
    assert not plugins.failures


def test_tracing_shows_each_hook_call(env: pytest.MonkeyPatch) -> None:
    code = "from tensorbay_core.storage import get_plugins; get_plugins()"
    env.setenv(TRACE_ENV, "1")
    traced = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    assert "register_storage_providers({'register': <register for tensorbay-core" in traced
    assert "calls tensorbay_core.builtins.local" in traced
    assert "registered ['local']" in traced
    env.delenv(TRACE_ENV)
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    assert "register_storage_providers" not in quiet
