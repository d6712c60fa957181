"""Is this server ready for learners? The default offline networks resolve and load, and the web server answers.

Streamlit's own ``/_stcore/health`` answers "ok" as soon as the web server runs, even with every weights file
missing; this check is the other half. It loads what the labs need offline (MobileNetV2, the MTCNN face detector,
the tiny YOLO and the segmentation network) exactly as the engine does (``cvcore.zoo``: a verified file, then
``torch.load(weights_only=True)``), never downloads, and with ``--url`` also asks the server's health endpoint::

    python scripts/ready.py                                      # the models only (e.g. while building an image)
    python scripts/ready.py --url http://127.0.0.1:8501/_stcore/health --once /tmp/cnnlab-models-ready
                                                                 # and the server (container health, k8s readiness)
    python scripts/ready.py --require vgg19 --require resnet50   # a classroom that needs these in its weights folder

It prints one line per network and exits 0 when everything required is ready, 1 otherwise (2 for a bad argument).
Loading the models imports torch and the engine (never Streamlit): 2 to 5 CPU seconds. A probe that runs every
few seconds passes ``--once FILE``: the models are checked until they pass once (then FILE is written), after that
only the server is asked, which takes a few milliseconds (this file imports nothing heavy before it needs to).
The server process loads its models once and keeps them, so a check that passed stays true for the container.
"""

import argparse
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["DEFAULT_MODELS", "DEFAULT_NETWORKS", "Check", "check_models", "check_health", "main"]

DEFAULT_MODELS = ("mobilenet_v2",)  # ImageNet classifiers of cvcore.zoo.registry() the labs use offline
DEFAULT_NETWORKS = ("mtcnn", "tiny_yolo", "tiny_fcn")  # other networks of cvcore.zoo.networks()


class Check:
    """One line of the report: what was checked, whether it passed, and why not."""

    def __init__(self, name: str, ok: bool, detail: str, seconds: float = 0.0):
        self.name, self.ok, self.detail, self.seconds = name, ok, detail, seconds

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name:<14} {self.detail} ({self.seconds:.2f} s)"


def check_models(models=DEFAULT_MODELS, networks=DEFAULT_NETWORKS) -> list[Check]:
    """Load each network as the labs do, offline, on the CPU; one ``Check`` per network."""
    os.environ["CVCORE_OFFLINE"] = "1"  # a probe never downloads (the server itself may, when it is allowed to)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from cvcore import zoo
    from cvcore.errors import CvcoreError

    checks = []
    known_models, known_networks = zoo.registry(), zoo.networks()
    for name in (*models, *networks):
        start = time.perf_counter()
        try:
            if name in known_models:
                location, _ = zoo.find_local_weights(known_models[name].weights)
                zoo.load_model(name, device="cpu", offline=True)
                detail = f"loaded, weights from {location.source}" if location else "loaded"
            elif name in known_networks:
                zoo.load_network(name)
                detail = "loaded, " + zoo.network_status(name)[1]
            else:
                raise ValueError(f"expected a name of cvcore.zoo.registry() or networks(), got {name!r}")
            checks.append(Check(name, True, detail, time.perf_counter() - start))
        except (CvcoreError, ValueError, OSError) as exc:
            checks.append(Check(name, False, str(exc), time.perf_counter() - start))
    return checks


def check_health(url: str, timeout: float = 5.0) -> Check:
    """The server's health endpoint answers 200 with "ok"."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(64).decode("utf-8", "replace").strip()
            ok = response.status == 200 and body == "ok"
            detail = f"{url} answered {response.status} {body!r}"
    except OSError as exc:
        ok, detail = False, f"{url} did not answer: {exc}"
    return Check("server", ok, detail, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/ready.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="also require this health endpoint to answer 'ok' (…/_stcore/health)")
    parser.add_argument("--require", action="append", default=[], metavar="NAME",
                        help="also require this network of cvcore.zoo (repeatable), e.g. vgg19")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the health endpoint")
    parser.add_argument("--once", type=Path, metavar="FILE",
                        help="check the models only until they pass once; FILE records that they did")
    args = parser.parse_args(argv)
    checks = []
    if args.url:  # first: a server that does not answer is not ready, whatever its weights
        checks.append(check_health(args.url, args.timeout))
    if args.once is not None and args.once.is_file():
        checks.append(Check("models", True, f"passed before ({args.once})"))
    else:
        extra = [name for name in args.require if name not in DEFAULT_MODELS + DEFAULT_NETWORKS]
        networks = _network_names()
        models_ok = check_models(DEFAULT_MODELS + tuple(n for n in extra if n not in networks),
                                 DEFAULT_NETWORKS + tuple(n for n in extra if n in networks))
        checks += models_ok
        if args.once is not None and all(check.ok for check in models_ok):
            args.once.parent.mkdir(parents=True, exist_ok=True)
            args.once.write_text("the models loaded\n")
    for check in checks:
        print(check.line())
    ready = all(check.ok for check in checks)
    print("ready" if ready else "not ready")
    return 0 if ready else 1


def _network_names() -> set[str]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from cvcore import zoo

    return set(zoo.networks())


if __name__ == "__main__":
    sys.exit(main())
