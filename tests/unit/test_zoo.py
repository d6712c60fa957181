"""cvcore.zoo: the weights resolution order, checksums, the download path (served on 127.0.0.1),
and the offline MobileNetV2 classifying a real photo."""

import functools
import hashlib
import http.server
import sys
import threading

import pytest
import torch

from cvcore import images, zoo
from cvcore.errors import WeightsUnavailable
from cvcore.inside import features

CARRIER_FILE = "mobilenet_v2-b0353104.pth"
CARRIER_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"


@pytest.fixture
def file_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving a folder; yields (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tiny(isolated, file_server, monkeypatch):
    """A small weights file available from every source: folder, hub cache, a carrier package, the server."""
    payload = b"tiny weights " * 5000
    digest = hashlib.sha256(payload).hexdigest()
    served, base = file_server
    (served / "tiny-1234.pth").write_bytes(payload)
    carrier_root = isolated / "site"
    (carrier_root / "tiny_carrier" / "weights").mkdir(parents=True)
    (carrier_root / "tiny_carrier" / "__init__.py").write_text("")
    (carrier_root / "tiny_carrier" / "weights" / "tiny-1234.pth").write_bytes(payload)
    monkeypatch.syspath_prepend(str(carrier_root))
    spec = zoo.WeightsSpec("tiny-1234.pth", digest, f"{base}/tiny-1234.pth", 0.07, ("tiny_carrier", "weights/tiny-1234.pth"))
    return spec, payload


def test_resolution_order(tiny, isolated, monkeypatch):
    spec, payload = tiny
    folder = isolated / "classroom"
    folder.mkdir()
    (folder / spec.filename).write_bytes(payload)
    hub = isolated / "torch-home" / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    (hub / spec.filename).write_bytes(payload)
    monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(folder))
    assert zoo.resolve_weights(spec).source == "CVCORE_WEIGHTS_DIR"
    (folder / spec.filename).unlink()
    assert zoo.resolve_weights(spec).source == "torch hub cache"
    (hub / spec.filename).unlink()
    assert zoo.resolve_weights(spec).source == "carrier package"
    sys.modules.pop("tiny_carrier", None)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not p.startswith(str(isolated / "site"))])
    location = zoo.resolve_weights(spec)
    assert location.source == "download"
    assert location.path == hub / spec.filename and location.path.read_bytes() == payload


def test_a_file_with_the_wrong_checksum_is_skipped(tiny, isolated, monkeypatch):
    spec, payload = tiny
    folder = isolated / "classroom"
    folder.mkdir()
    (folder / spec.filename).write_bytes(b"tampered" + payload)
    monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(folder))
    location, tried = zoo.find_local_weights(spec)
    assert location.source == "carrier package"
    assert any("checksum mismatch" in line for line in tried)


def test_download_reports_progress_and_verifies(tiny, isolated, monkeypatch):
    spec, payload = tiny
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not p.startswith(str(isolated / "site"))])
    seen = []
    path = zoo.download_weights(spec, isolated / "dl", progress=lambda done, total: seen.append((done, total)))
    assert path.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload))
    bad = zoo.WeightsSpec(spec.filename, "0" * 64, spec.url, spec.size_mb)
    with pytest.raises(WeightsUnavailable, match="expected sha256 0000"):
        zoo.download_weights(bad, isolated / "dl2")
    assert list((isolated / "dl2").iterdir()) == []  # no partial file is left behind
    missing = zoo.WeightsSpec("absent.pth", "0" * 64, spec.url.replace("tiny-1234", "absent"), 1.0)
    with pytest.raises(WeightsUnavailable, match="answered HTTP 404 when asked for absent.pth"):
        zoo.download_weights(missing, isolated / "dl3")


def test_download_works_from_a_file_url(tiny, isolated):
    spec, payload = tiny
    source = isolated / "copy.pth"
    source.write_bytes(payload)
    as_file = zoo.WeightsSpec("copy.pth", spec.sha256, source.as_uri(), spec.size_mb)
    assert zoo.download_weights(as_file, isolated / "dl").read_bytes() == payload


def test_offline_without_a_file_explains_how_to_get_it(isolated, monkeypatch):
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    spec = zoo.weights_spec("resnet18")
    with pytest.raises(WeightsUnavailable) as info:
        zoo.resolve_weights(spec)
    message = str(info.value)
    assert "unavailable offline" in message and "CVCORE_WEIGHTS_DIR" in message and spec.filename in message
    status = {s.entry.name: s for s in zoo.available()}
    assert not status["resnet18"].ready and "offline" in status["resnet18"].detail


def test_registry_describes_every_model():
    reg = zoo.registry()
    assert {"mobilenet_v2", "resnet18", "resnet50", "vgg16", "vgg19", "alexnet", "googlenet"} <= set(reg)
    for entry in reg.values():
        assert len(entry.categories) == 1000 and entry.cam_layer and entry.weights.url.endswith("/" + entry.weights.filename)
    with pytest.raises(WeightsUnavailable, match="model must be one of"):
        zoo.weights_spec("lenet9000")


def test_offline_mobilenet_v2_weights_come_from_the_carrier_package(isolated, monkeypatch):
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    location = zoo.resolve_weights(zoo.weights_spec("mobilenet_v2"))
    assert location.source == "carrier package" and location.path.name == CARRIER_FILE
    assert zoo.sha256_of(location.path) == CARRIER_SHA256
    assert {s.entry.name: s.ready for s in zoo.available()}["mobilenet_v2"]


def test_mobilenet_v2_recognises_the_cat(isolated, monkeypatch):
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    model = zoo.load_model("mobilenet_v2", device="cpu")
    entry = zoo.registry()["mobilenet_v2"]
    assert not model.training
    with torch.inference_mode():
        probs = model(features.preprocess(images.sample_image("chelsea"), entry)).softmax(-1)[0]
    top5 = [entry.categories[i] for i in probs.topk(5).indices]
    assert {"tabby", "tiger cat", "Egyptian cat"} & set(top5[:2]), top5
    stem = features.layer_activations(model, features.preprocess(images.sample_image("coffee"), entry), ["features.0"])
    assert stem["features.0"].shape == (1, 32, 112, 112) and float(stem["features.0"].min()) >= 0  # after ReLU6
    assert not model._forward_hooks and all(not m._forward_hooks for m in model.modules())


def test_every_network_the_labs_load_is_registered_with_its_weights(monkeypatch, tmp_path):
    from cvcore.detect import coco
    from cvcore.faces.mtcnn import MTCNN_WEIGHTS

    nets = zoo.networks()
    assert {"mtcnn", "mobilefacenet", "tiny_yolo", "tiny_fcn"} | set(coco.DETECTORS) <= set(nets)
    assert nets["mtcnn"].files == tuple(MTCNN_WEIGHTS[n] for n in ("pnet", "rnet", "onet"))
    assert nets["mobilefacenet"].files == (zoo.FILES["mobilefacenet"],)
    assert all(coco.DETECTORS[name].weights == nets[name].files[0] for name in coco.DETECTORS)
    for name in ("tiny_yolo", "tiny_fcn"):  # shipped in assets/, built by the registered loader
        assert zoo.network_status(name) == (True, f"{nets[name].asset} in assets/")
        model = zoo.load_network(name)
        assert isinstance(model, torch.nn.Module) and not model.training
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("CVCORE_WEIGHTS_DIR", raising=False)
    ready, why = zoo.network_status("retinanet")
    assert not ready and nets["retinanet"].files[0].filename in why and "CVCORE_WEIGHTS_DIR" in why
    with pytest.raises(WeightsUnavailable, match="unavailable offline"):
        zoo.load_network("mobilefacenet")
    with pytest.raises(ValueError, match="network must be one of"):
        zoo.load_network("yolo9000")


@pytest.mark.parametrize("loader", ["classifier", "mtcnn", "mobilefacenet", "coco"])
def test_a_verified_file_that_cannot_be_loaded_names_no_server_folder(loader, monkeypatch, tmp_path):
    """A file can pass its checksum and still not load (another torch, a network that does not match it): the message
    names the file and where it was found, never the server's folder or the cause's text."""
    import importlib

    coco, embed, mtcnn = (importlib.import_module(f"cvcore.{m}") for m in ("detect.coco", "faces.embed", "faces.mtcnn"))

    folder = tmp_path / "srv-secret-folder"
    folder.mkdir()

    def resolve(spec, **_):
        path = folder / spec.filename
        path.write_bytes(b"not a torch file")  # "verified": resolution is replaced, so the loader reads this
        return zoo.WeightsLocation(path, "CVCORE_WEIGHTS_DIR")

    monkeypatch.setattr(zoo, "resolve_weights", resolve)  # every loader resolves through cvcore.zoo
    load = {"classifier": lambda: zoo.load("mobilenet_v2"), "mtcnn": mtcnn.load_mtcnn,
            "mobilefacenet": embed.load_mobilefacenet, "coco": lambda: coco.build(next(iter(coco.DETECTORS)))}[loader]
    with pytest.raises(WeightsUnavailable) as caught:
        load()
    message = str(caught.value)
    assert "srv-secret-folder" not in message and str(tmp_path) not in message
    assert "passed its checksum but could not be loaded" in message and "CVCORE_WEIGHTS_DIR" in message
    assert caught.value.__cause__ is not None  # the real cause stays for the log
