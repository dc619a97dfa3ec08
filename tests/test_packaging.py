"""Every process ships alone: each member's wheel builds offline with only its own dependencies, its modules import
nothing outside them, each container image installs only its member(s), and the workers' commands reach `minesafe`
through entry points."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = ("contracts", "backend", "sensors", "vision", "drills")
#: what each container image (a Dockerfile target) installs
IMAGES = {"backend": {"contracts", "backend"}, "sensors": {"contracts", "sensors"},
          "vision": {"contracts", "vision"}}
#: the API server's stack, which the bridge must ship without
SERVER_STACK = {"fastapi", "strawberry-graphql", "sqlalchemy", "alembic", "uvicorn", "asyncpg", "torch"}


def member(name: str) -> dict:
    return tomllib.loads((ROOT / name / "pyproject.toml").read_text())["project"]


def dist_name(requirement: str) -> str:
    """The normalised distribution name of a requirement string (``uvicorn[standard]>=0.30`` → ``uvicorn``)."""
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def requires(name: str) -> set[str]:
    return {dist_name(r) for r in member(name).get("dependencies", [])}


def third_party_imports(package: str) -> dict[str, set[str]]:
    """Top-level modules outside the standard library that a package's files import → the files importing them."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", ["contracts", "sensors", "vision", "drills"])
def test_a_member_imports_nothing_outside_the_contract_and_its_own_dependencies(package: str) -> None:
    allowed = requires(package) | {"minesafe-contracts"}
    distributions = packages_distributions()
    outside = {}
    for module, files in third_party_imports(package).items():
        if module in (package, "contracts"):
            continue
        provided_by = {dist_name(d) for d in distributions.get(module, [module])}
        if not provided_by & allowed:
            outside[module] = sorted(files)
    assert not outside, f"{package} imports what its pyproject.toml does not declare: {outside}"


def test_the_bridge_ships_without_the_api_server_stack() -> None:
    assert not requires("sensors") & SERVER_STACK
    assert not requires("contracts")
    assert requires("backend") >= {"fastapi", "strawberry-graphql", "sqlalchemy"} and "torch" not in requires("backend")
    for package in ("sensors", "vision", "drills"):
        assert "minesafe-backend" not in requires(package) and "minesafe-contracts" in requires(package)
    assert not {"minesafe-sensors", "minesafe-vision", "minesafe-drills"} & requires("backend")


@pytest.mark.slow
def test_every_member_wheel_builds_offline_with_its_own_metadata(tmp_path: Path) -> None:
    source = tmp_path / "src"
    for name in MEMBERS:  # a copy: a build writes build/ and *.egg-info next to the sources
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "build"))
    wheels = tmp_path / "wheels"
    for name in MEMBERS:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--no-index", "-w", str(wheels), f"./{name}"], cwd=source, check=True, capture_output=True)
    for name in MEMBERS:
        [wheel] = wheels.glob(f"minesafe_{name}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            files = archive.namelist()
            [metadata] = [f for f in files if f.endswith(".dist-info/METADATA")]
            headers = Parser().parsestr(archive.read(metadata).decode())
            entry_points = next((archive.read(f).decode() for f in files if f.endswith("entry_points.txt")), "")
        assert headers["Name"] == f"minesafe-{name}"
        assert {dist_name(r) for r in headers.get_all("Requires-Dist") or []} == requires(name)
        packaged = {f.split("/")[0] for f in files if not f.split("/")[0].endswith(".dist-info")}
        assert packaged == {name}, f"{wheel.name} carries {packaged}"
        assert f"{name}/__init__.py" in files
        for script, target in member(name).get("scripts", {}).items():
            assert f"{script} = {target}" in entry_points
    with zipfile.ZipFile(next(wheels.glob("minesafe_backend-*.whl"))) as archive:
        names = archive.namelist()  # package data travels with the member
        assert "backend/schema.graphql" in names and "backend/drills/examples/demo_mine.yaml" in names


def dockerfile_stages() -> dict[str, dict[str, set[str]]]:
    """Dockerfile target → what it copies in and pip-installs from the repository (a stage inherits its base's)."""
    stages: dict[str, dict[str, set[str]]] = {}
    current: dict[str, set[str]] = {}
    for line in (ROOT / "infra" / "Dockerfile").read_text().splitlines():
        if match := re.match(r"FROM (\S+) AS (\S+)", line):
            base = stages.get(match[1], {"copied": set(), "installed": set()})
            current = stages[match[2]] = {"copied": set(base["copied"]), "installed": set(base["installed"])}
        elif match := re.match(r"COPY (\S+) \./", line):
            current["copied"].add(match[1])
        if "pip install" in line:
            current["installed"] |= set(re.findall(r"\./([a-z]+)", line))
    return stages


def scripts_of(image: str) -> set[str]:
    return {script for name in IMAGES[image] for script in member(name).get("scripts", {})}


def test_each_image_installs_only_its_members() -> None:
    stages = dockerfile_stages()
    for image, members in IMAGES.items():
        assert stages[image]["installed"] == members, image
        assert stages[image]["copied"] == members, f"{image} copies {stages[image]['copied'] - members} too"
    assert "sensors" not in stages["backend"]["installed"] and "backend" not in stages["sensors"]["installed"]


def test_compose_and_kubernetes_run_each_process_from_its_own_image() -> None:
    compose = yaml.safe_load((ROOT / "infra" / "docker-compose.yml").read_text())["services"]
    built = {name: service for name, service in compose.items() if "build" in service}
    assert {name: s["build"]["target"] for name, s in built.items()} == {
        "migrate": "backend", "backend": "backend", "sensor-bridge": "sensors", "vision-worker": "vision"}
    for name, service in built.items():
        target = service["build"]["target"]
        assert service["image"] == f"minesafe/{target}:latest", name
        assert service["command"][0] in scripts_of(target), f"{name}: {service['command'][0]} is not in its image"
    workloads = {}
    for path in sorted((ROOT / "infra" / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] in ("Deployment", "Job"):
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    if container["image"].startswith("minesafe/"):
                        workloads[doc["metadata"]["name"]] = container
    assert {name: c["image"] for name, c in workloads.items()} == {
        "backend": "minesafe/backend", "minesafe-migrate": "minesafe/backend", "sensor-bridge": "minesafe/sensors",
        "vision-worker": "minesafe/vision"}
    for name, container in workloads.items():
        assert container["command"][0] in scripts_of(container["image"].removeprefix("minesafe/")), name
    kustomized = yaml.safe_load((ROOT / "infra" / "kustomization.yaml").read_text())["images"]
    assert {i["name"] for i in kustomized} == {f"minesafe/{image}" for image in IMAGES}


def command_entries(project: dict) -> dict[str, str]:
    return dict(project.get("entry-points", {}).get("minesafe.commands", {}))


def test_the_dev_install_declares_every_member_s_commands_and_scripts() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    members = {name: member(name) for name in MEMBERS}
    assert command_entries(root) == {k: v for m in members.values() for k, v in command_entries(m).items()}
    assert root["scripts"] == {k: v for m in members.values() for k, v in m.get("scripts", {}).items()}
    assert not command_entries(members["backend"]) and not command_entries(members["contracts"])


def test_the_backend_cli_finds_the_workers_commands_by_entry_points(tmp_path: Path) -> None:
    """A distribution that declares the root pyproject's "minesafe.commands" entries gives `minesafe` its worker
    sub-commands; a made-up one shows it is the entry points, not an import, that bring them."""
    entries = dict(command_entries(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]))
    entries["probe"] = "minesafe_probe_command:app"
    (tmp_path / "minesafe_probe_command.py").write_text(
        'import typer\n\napp = typer.Typer(help="a command only an entry point declares")\n\n\n'
        '@app.command()\ndef hello() -> None:\n    print("hello from an entry point")\n')
    info = tmp_path / "minesafe_probe-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: minesafe-probe\nVersion: 0\n")
    (info / "entry_points.txt").write_text(
        "[minesafe.commands]\n" + "".join(f"{name} = {target}\n" for name, target in entries.items()))

    def cli(*args: str) -> str:
        env = {"PYTHONPATH": f"{ROOT}:{tmp_path}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
               "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
        run = subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
        return run.stdout + run.stderr

    listed = cli("--help")
    for name in ("sensors", "vision", "drills", "probe"):
        assert re.search(rf"^\W*{name}\s", listed, re.MULTILINE), f"{name} missing from:\n{listed}"
    assert "hello from an entry point" in cli("probe", "hello")
