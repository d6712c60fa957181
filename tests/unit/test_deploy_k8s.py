"""deploy/k8s/: every manifest valid against the Kubernetes API schemas (kubernetes-validate, offline: the schemas ship
inside the package), and the choices that matter for this app: probes, sticky sessions, sizes, settings, weights."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.unit.test_deploy_docker import HEALTH, arg_defaults, code_env_names, dockerfile, env_pairs

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# The oldest release whose schemas the manifests are checked against as well as the newest the package knows.
OLDEST = "1.29"

# Measured (docs/capacity.md): one server process at most 0.96 cores; 0.8-1.1 GB resident.
PEAK_CORES, PEAK_RSS_GB = 0.96, 1.1


def manifests() -> dict[str, dict]:
    """Every API object of deploy/k8s by kind (the kustomization file is kustomize's, not the API's)."""
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                assert doc["kind"] not in found, f"two {doc['kind']} objects"
                found[doc["kind"]] = doc
    return found


def _cores(value) -> float:
    value = str(value)
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


def _gb(value: str) -> float:
    units = {"Mi": 2**20, "Gi": 2**30, "M": 1e6, "G": 1e9}
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor / 1e9
    return float(value) / 1e9


def container() -> dict:
    return manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("version", ["latest", OLDEST])
def test_every_manifest_is_valid_against_the_schemas(version):
    from kubernetes_validate.utils import latest_version

    target = latest_version() if version == "latest" else version
    objects = manifests()
    assert set(objects) == {"ConfigMap", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler",
                            "PersistentVolumeClaim", "PodDisruptionBudget"}
    for kind, doc in objects.items():
        try:
            kubernetes_validate.validate(doc, target, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{kind} is not valid for Kubernetes {target}: {exc.message} at {list(exc.path)}")


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    if shutil.which("kubectl"):  # where kubectl is installed, kustomize builds it (offline)
        out = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr


def test_probes_point_at_the_health_endpoint_and_readiness_needs_the_models():
    c = container()
    port = c["ports"][0]
    assert port["containerPort"] == 8501 and port["name"] == "http"
    for probe in ("startupProbe", "livenessProbe"):
        assert c[probe]["httpGet"] == {"path": HEALTH, "port": "http"}
    command = c["readinessProbe"]["exec"]["command"]
    assert command[:2] == ["python3", "scripts/ready.py"]
    assert command[command.index("--url") + 1] == f"http://127.0.0.1:8501{HEALTH}"
    assert "--once" in command  # after the models passed once, the probe only asks the server
    assert c["readinessProbe"]["timeoutSeconds"] >= 20  # the first run loads the models (seconds on a busy core)
    # The script the probe runs is in the image, where the image's working directory puts it.
    assert (ROOT / "scripts" / "ready.py").is_file()
    workdir = [ins.text for ins in dockerfile() if ins.keyword == "WORKDIR" and ins.stage == "app"]
    assert workdir == ["/app"]


def test_resources_follow_the_measured_cpu_and_memory():
    resources = container()["resources"]
    requests, limits = resources["requests"], resources["limits"]
    # One core: a server process never used more than 0.96 of one, so a limit of one never throttles it.
    assert _cores(requests["cpu"]) == _cores(limits["cpu"]) == 1.0 >= PEAK_CORES
    # Memory: the request covers the measured peak with headroom; the limit also leaves room for the readiness
    # check's first run (a second process that loads the models once, about 0.8 GB).
    assert PEAK_RSS_GB * 1.3 <= _gb(requests["memory"]) <= 2.0
    assert _gb(limits["memory"]) >= _gb(requests["memory"]) + 0.8
    hpa = manifests()["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == manifests()["Deployment"]["metadata"]["name"]
    assert hpa["minReplicas"] >= 2 and hpa["maxReplicas"] > hpa["minReplicas"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 50  # the plan's half load per core
    assert hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 600  # scaling down ends sessions
    assert "replicas" not in manifests()["Deployment"]["spec"]  # the autoscaler owns the count


def test_sessions_stick_to_one_replica_by_cookie():
    ingress = manifests()["Ingress"]
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    assert notes["nginx.ingress.kubernetes.io/session-cookie-name"] == "cnnlab_route"  # as deploy/nginx.conf
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # idle WebSockets stay open
    assert notes["nginx.ingress.kubernetes.io/proxy-body-size"] == "21m"  # above the 20 MB upload cap
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = manifests()["Service"]
    assert backend["name"] == service["metadata"]["name"]
    assert service["spec"].get("sessionAffinity", "None") == "None"  # not by client IP: schools share one address
    assert service["spec"]["selector"] == manifests()["Deployment"]["spec"]["selector"]["matchLabels"]


def test_configmap_holds_settings_the_code_reads():
    config = manifests()["ConfigMap"]
    keys = set(config["data"])
    assert keys and all(k.startswith("CVCORE_") for k in keys)
    assert keys <= code_env_names()
    assert config["data"]["CVCORE_OFFLINE"] == "1"
    refs = container()["envFrom"]
    assert refs == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    # The same settings the image sets, with the same values where both set them.
    image_env = dict(pair for ins in dockerfile() if ins.keyword == "ENV" for pair in env_pairs(ins))
    for key, value in config["data"].items():
        if key in image_env:
            assert image_env[key] == value, key


def test_weights_volume_is_the_weights_folder():
    deployment = manifests()["Deployment"]["spec"]["template"]["spec"]
    mount = next(m for m in container()["volumeMounts"] if m["name"] == "weights")
    assert mount["readOnly"] is True
    assert mount["mountPath"] == manifests()["ConfigMap"]["data"]["CVCORE_WEIGHTS_DIR"]
    volume = next(v for v in deployment["volumes"] if v["name"] == "weights")
    assert volume["persistentVolumeClaim"]["claimName"] == manifests()["PersistentVolumeClaim"]["metadata"]["name"]


def test_pods_run_as_the_image_user_without_privileges():
    pod = manifests()["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    user = [ins.text for ins in dockerfile() if ins.keyword == "USER"][-1].split(":")[0]
    assert pod["runAsNonRoot"] is True and str(pod["runAsUser"]) == user
    assert container()["securityContext"]["allowPrivilegeEscalation"] is False
    assert container()["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert arg_defaults(dockerfile())["VARIANT"] == "cpu" and container()["image"] == "cnnlab:cpu"
