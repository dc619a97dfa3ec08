"""Issue 9.2: the compose file and the Kubernetes manifests set variables that the processes never read (the bridge
ran on its embedded broker, buffered off the volume and fell back to demo sensors). Every variable a manifest sets
must be one its process reads; the bridge's settings as deployed must validate for production."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.config import Settings
from sensors.config import BridgeSettings, variable_names
from vision.config import VisionSettings

INFRA = Path(__file__).resolve().parents[2] / "infra"


def backend_names() -> set[str]:
    return {f"MINESAFE_{name}".upper() for name in Settings.model_fields}


def vision_names() -> set[str]:
    prefix = VisionSettings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in VisionSettings.model_fields}


def names_for(command: list[str]) -> set[str] | None:
    """What the process a command starts reads (None: not a minesafe process)."""
    if command[:2] == ["minesafe", "serve"] or command[:3] == ["minesafe", "db", "upgrade"]:
        return backend_names()
    if command[:2] == ["minesafe-sensors", "bridge"]:
        return set(variable_names())
    if command[:2] == ["minesafe-vision", "worker"]:
        return vision_names()
    return None


def compose() -> dict[str, Any]:
    return yaml.safe_load((INFRA / "docker-compose.yml").read_text())


def k8s_documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((INFRA / "k8s").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def k8s_sources() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(ConfigMap name → keys, Secret name → keys)."""
    maps, secrets = {}, {}
    for doc in k8s_documents():
        if doc["kind"] == "ConfigMap":
            maps[doc["metadata"]["name"]] = set(doc.get("data", {}))
        elif doc["kind"] == "Secret":
            secrets[doc["metadata"]["name"]] = set(doc.get("stringData", {})) | set(doc.get("data", {}))
    return maps, secrets


def k8s_containers() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(workload name, container, pod spec) of every Deployment and Job."""
    found = []
    for doc in k8s_documents():
        if doc["kind"] in ("Deployment", "Job"):
            spec = doc["spec"]["template"]["spec"]
            found.extend((doc["metadata"]["name"], c, spec) for c in spec["containers"])
    return found


def container_env(container: dict[str, Any]) -> set[str]:
    maps, secrets = k8s_sources()
    names = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= maps[source["configMapRef"]["name"]]
        if "secretRef" in source:
            names |= secrets[source["secretRef"]["name"]]
    return names


def test_every_variable_compose_sets_is_read_by_its_process() -> None:
    checked = set()
    for name, service in compose()["services"].items():
        env = set(service.get("environment") or {})
        expected = names_for(service.get("command") or [])
        if expected is None:
            assert not {v for v in env if v.startswith("MINESAFE_")}, name
            continue
        assert env, f"{name} sets nothing"
        assert env <= expected, f"compose service {name} sets variables its process never reads: {env - expected}"
        checked.add(name)
    assert checked == {"migrate", "backend", "sensor-bridge", "vision-worker"}  # none silently skipped


def test_every_variable_kubernetes_sets_is_read_by_its_process() -> None:
    checked = set()
    for workload, container, _ in k8s_containers():
        expected = names_for(container.get("command") or [])
        env = container_env(container)
        if expected is None:
            assert not {v for v in env if v.startswith("MINESAFE_")}, workload
            continue
        unread = env - expected
        assert not unread, f"{workload}/{container['name']} gets variables its process never reads: {unread}"
        checked.add(workload)
    assert checked == {"backend", "minesafe-migrate", "sensor-bridge", "vision-worker"}


def test_every_secret_and_key_a_manifest_names_exists() -> None:
    maps, secrets = k8s_sources()
    for workload, container, spec in k8s_containers():
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secrets.get(ref["name"], set()), (workload, ref)
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                assert source["secretRef"]["name"] in secrets, workload
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in maps, workload
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                keys = secrets.get(volume["secret"]["secretName"], set())
                assert {item["key"] for item in volume["secret"].get("items", [])} <= keys, (workload, volume)


def _placeholder(value: object) -> str:
    """A compose value with ${VAR:?…} placeholders filled in."""
    return re.sub(r"\$\{[^}]*\}", "filled-in-secret", str(value))


def _acl_users() -> set[str]:
    return {line.split()[1] for line in (INFRA / "mosquitto" / "acl").read_text().splitlines()
            if line.startswith("user ")}


def _bridge_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> BridgeSettings:
    for key in list(__import__("os").environ):
        if key.startswith("MINESAFE_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return BridgeSettings()


def test_the_bridge_as_compose_runs_it_is_a_production_bridge_on_its_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    service = compose()["services"]["sensor-bridge"]
    settings = _bridge_settings({k: _placeholder(v) for k, v in service["environment"].items()}, monkeypatch)
    assert settings.environment == "production" and not settings.embedded_broker
    assert settings.mqtt_host == "mosquitto" and settings.mqtt_username in _acl_users()
    assert settings.token() == "filled-in-secret" and settings.backend_base_url == "http://backend:8000"
    mounts = [v.split(":")[1] for v in service["volumes"]]
    assert any(settings.buffer_path.is_relative_to(m) for m in mounts), (settings.buffer_path, mounts)
    assert settings.metrics_port and settings.metrics_host == "0.0.0.0"


def test_the_bridge_as_kubernetes_runs_it_is_a_production_bridge_on_its_volume(
        monkeypatch: pytest.MonkeyPatch) -> None:
    [(_, container, spec)] = [c for c in k8s_containers() if c[0] == "sensor-bridge"]
    env = {e["name"]: str(e.get("value", "filled-in-secret")) for e in container["env"]}
    settings = _bridge_settings(env, monkeypatch)
    assert settings.environment == "production" and settings.mqtt_username in _acl_users()
    claims = {v["name"] for v in spec["volumes"] if "persistentVolumeClaim" in v}
    mounts = [m["mountPath"] for m in container["volumeMounts"] if m["name"] in claims]
    assert any(settings.buffer_path.is_relative_to(m) for m in mounts), (settings.buffer_path, mounts)
    assert {p["containerPort"] for p in container["ports"]} == {settings.metrics_port}
