"""Live video, frame by frame: what one camera frame gives (top-5, feature maps, Grad-CAM, raw boxes and NMS) against
independent references (the model's own forward, hooks on a private copy, Captum, torchvision's NMS), the printed
cards seen by the tiny YOLO, and the stream's hand-over (only the newest frame is processed)."""

import copy

import av
import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from cvcore import images, zoo
from cvcore.attribution import captum_grad_cam
from cvcore.data import cards, shapes
from cvcore.detect import live as detect_live
from cvcore.detect import yolo
from cvcore.errors import InvalidParameter
from cvcore.inside import features
from cvcore.inside import live as inside_live
from cvcore.viz.maps import mosaic, overlay
from ui import webcam


def _frame(name: str, size=(640, 480)) -> np.ndarray:
    return np.asarray(images.sample_image(name).convert("RGB").resize(size))


def _reference_top5(model, entry, frame):
    """The model's own forward on the frame, preprocessed as every still image is."""
    x = features.preprocess(Image.fromarray(frame), entry)
    with torch.no_grad():
        probs = model(x).softmax(-1)[0]
    top = probs.topk(5)
    return top.indices.tolist(), top.values


@pytest.mark.parametrize("view", ["maps", "grad_cam"])
def test_top5_of_each_frame_is_the_models_own_forward(mobilenet, entry, view):
    rng = np.random.default_rng(0)
    frames = [_frame("chelsea"), _frame("coffee", (480, 640)), rng.integers(0, 256, (360, 500, 3), dtype=np.uint8)]
    for frame in frames:
        result = inside_live.classify_frame(mobilenet, entry, frame, layer="features.6", view=view)
        indices, probs = _reference_top5(mobilenet, entry, frame)
        assert [p.index for p in result.top] == indices
        torch.testing.assert_close(torch.tensor([p.probability for p in result.top]), probs, rtol=1e-4, atol=1e-5)
        assert [p.label for p in result.top] == [entry.categories[i] for i in indices]


def test_feature_maps_of_a_frame_are_the_layers_output(mobilenet, entry):
    frame = _frame("chelsea")
    result = inside_live.classify_frame(mobilenet, entry, frame, layer="features.6", view="maps", channels=16)
    private = copy.deepcopy(mobilenet)  # hooks only on a copy: the shared model never carries one
    seen = {}
    handle = private.features[6].register_forward_hook(lambda m, i, o: seen.setdefault("out", o.detach()))
    try:
        with torch.no_grad():
            private(features.preprocess(Image.fromarray(frame), entry))
    finally:
        handle.remove()
    maps = seen["out"][0]  # [32, 28, 28]
    strongest = torch.argsort(maps.flatten(1).mean(1), descending=True)[:16]
    tiles = mosaic(maps[strongest], cols=4, tile=224 // 4 - 2, gap=2)
    right = result.picture[:tiles.shape[0], 224 + 4:224 + 4 + tiles.shape[1]]
    assert np.abs(right.astype(int) - tiles.astype(int)).max() <= 1
    crop = np.asarray(features.crop(Image.fromarray(frame), entry).convert("RGB"))
    np.testing.assert_array_equal(result.picture[100:, :224], crop[100:])  # below the top-5 band: the crop itself


def test_grad_cam_of_a_frame_matches_captum(mobilenet, entry):
    frame = _frame("chelsea")
    result = inside_live.classify_frame(mobilenet, entry, frame, layer="features.18", view="grad_cam", alpha=0.5)
    x = features.preprocess(Image.fromarray(frame), entry)
    heat = captum_grad_cam(mobilenet, x, result.top[0].index, "features.18")  # [224, 224] in [0, 1]
    crop = np.asarray(features.crop(Image.fromarray(frame), entry).convert("RGB"))
    expected = overlay(crop, heat, alpha=0.5)
    assert np.abs(result.picture[100:].astype(int) - expected[100:].astype(int)).max() <= 2


def test_bad_frames_and_settings_say_what_was_expected(mobilenet, entry):
    with pytest.raises(InvalidParameter, match="uint8"):
        inside_live.classify_frame(mobilenet, entry, np.zeros((8, 8, 3), np.float32), layer="features.6")
    with pytest.raises(InvalidParameter, match="view"):
        inside_live.classify_frame(mobilenet, entry, _frame("chelsea"), layer="features.6", view="heat")
    with pytest.raises(InvalidParameter, match="layer"):
        inside_live.classify_frame(mobilenet, entry, _frame("chelsea"), layer="no.such.layer")


@pytest.fixture(scope="module")
def tiny_yolo():
    return zoo.load_network("tiny_yolo")


def test_yolo_frame_raw_boxes_are_the_networks_and_nms_is_torchvisions(tiny_yolo):
    for seed in (1_000_080, 1_000_003, 1_000_011):
        scene = shapes.scene(seed)
        frame = np.full((128, 170, 3), 90, np.uint8)
        frame[:, 21:149] = np.asarray(scene.picture())  # the centre square is the scene itself
        with torch.no_grad():
            vectors = yolo.decode(tiny_yolo(scene.image[None]), tiny_yolo.config)[0]
        boxes, scores, labels = yolo.detections(vectors, tiny_yolo.config)
        for score, iou in ((0.2, 0.5), (0.1, 0.3), (0.5, 0.7)):
            found = detect_live.yolo_frame(tiny_yolo, frame, score=score, iou=iou)
            torch.testing.assert_close(found.boxes, boxes + torch.tensor([21.0, 0, 21, 0]), rtol=1e-4, atol=2e-3)
            torch.testing.assert_close(found.scores, scores, rtol=1e-4, atol=1e-5)
            above = torch.nonzero(found.scores > score).flatten()
            ref = above[torchvision.ops.batched_nms(found.boxes[above], found.scores[above], found.labels[above], iou)]
            assert found.keep.tolist() == ref.tolist()
            assert found.above == len(above)
        found = detect_live.yolo_frame(tiny_yolo, frame, score=0.2, iou=0.5)
        assert len(found.keep) == len(scene.boxes)  # held-out scenes it gets right: one box per shape


def test_yolo_frame_maps_boxes_back_to_a_larger_frame(tiny_yolo):
    scene = shapes.scene(1_000_080)
    frame = np.full((512, 640, 3), 90, np.uint8)
    frame[:, 64:576] = np.asarray(scene.picture().resize((512, 512), Image.NEAREST))
    found = detect_live.yolo_frame(tiny_yolo, frame, score=0.2, iou=0.5)
    truth = scene.boxes * 4 + torch.tensor([64.0, 0, 64, 0])
    ious = torchvision.ops.box_iou(found.boxes[found.keep], truth)
    assert (ious.max(0).values > 0.6).all(), ious  # every shape is found where it is, in the frame's pixels


class _RandomDetector(torch.nn.Module):
    """Answers like a torchvision detector with NMS off: many overlapping boxes of a few classes, scaled to the image."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, images):
        h, w = images[0].shape[1:]
        g = torch.Generator().manual_seed(3)
        xy = torch.rand(200, 2, generator=g) * torch.tensor([w * 0.7, h * 0.7])
        wh = torch.rand(200, 2, generator=g) * torch.tensor([w * 0.3, h * 0.3]) + 4
        return [{"boxes": torch.cat([xy, xy + wh], 1) * self.scale, "scores": torch.rand(200, generator=g),
                 "labels": torch.randint(1, 4, (200,), generator=g)}]


def test_coco_frame_nms_is_torchvisions():
    model = _RandomDetector()
    frame = np.random.default_rng(1).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    raw = model([torch.zeros(3, 120, 160)])[0]
    for per_class in (False, True):
        found = detect_live.coco_frame(model, frame, score=0.3, iou=0.4, per_class=per_class)
        torch.testing.assert_close(found.boxes, raw["boxes"].detach())
        above = torch.nonzero(found.scores > 0.3).flatten()
        b, s, lab = found.boxes[above], found.scores[above], found.labels[above]
        ref = torchvision.ops.batched_nms(b, s, lab, 0.4) if per_class else torchvision.ops.nms(b, s, 0.4)
        assert found.keep.tolist() == above[ref].tolist() and 1 < len(found.keep) < len(above)


def test_each_printed_card_is_found_by_the_tiny_yolo(tiny_yolo):
    page = cards.cards_sheet()
    kinds = [kind for kind, _ in cards._CARDS]
    for i, kind in enumerate(kinds):
        x0, y0 = 40 + (i % 2) * 600, 40 + (i // 2) * 560  # the card's place on the page
        held = Image.new("RGB", (1280, 960), (235, 235, 230))
        held.paste(page.crop((x0, y0, x0 + 560, y0 + 520)), (360, 220))
        found = detect_live.yolo_frame(tiny_yolo, np.asarray(held.resize((640, 480))), score=0.3, iou=0.5)
        assert len(found.keep) >= 1 and shapes.CLASSES[int(found.labels[found.keep[0]])] == kind, (i, kind)
    assert cards.cards_pdf().startswith(b"%PDF") and cards.cards_png().startswith(b"\x89PNG")


def test_ice_servers_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(webcam.ICE_ENV, raising=False)
    assert webcam.ice_servers() == []  # nothing outside 127.0.0.1 / the LAN by default
    monkeypatch.setenv(webcam.ICE_ENV, '[{"urls": "turn:turn.example.org", "username": "u", "credential": "p"}]')
    assert webcam.ice_servers() == [{"urls": "turn:turn.example.org", "username": "u", "credential": "p"}]
    assert webcam.ice_servers("stun:a.example:3478") == [{"urls": ["stun:a.example:3478"]}]
    for bad in ("[{]", '[{"url": "stun:x"}]', "http://stun.example"):
        with pytest.raises(InvalidParameter):
            webcam.ice_servers(bad)


def _video_frame(value: int) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((48, 64, 3), value, np.uint8), format="rgb24")


def test_only_the_newest_queued_frame_is_processed():
    import asyncio

    seen = []

    def work(frame):
        seen.append(int(frame[0, 0, 0]))
        return frame[:47, :63] // 2, "half"  # odd sides: the feed trims them for the encoder

    feed = webcam.Feed()
    feed.work = work
    out = asyncio.run(feed.process_queued([_video_frame(10), _video_frame(20), _video_frame(30)]))
    assert seen == [30] and len(out) == 1
    assert out[0].to_ndarray(format="rgb24").shape == (46, 62, 3)
    assert int(out[0].to_ndarray(format="rgb24")[0, 0, 0]) == 15
    assert feed.latest.frames == 1 and feed.latest.dropped == 2 and feed.latest.text == "half"

    feed.work = lambda frame: (_ for _ in ()).throw(InvalidParameter("layer must be a layer, got 'x'"))
    out = feed.process(np.zeros((4, 4, 3), np.uint8))
    assert out.shape == (4, 4, 3) and feed.latest.text == "Cannot show this: layer must be a layer, got 'x'"


def test_frame_rate_counts_the_last_seconds():
    rate = webcam.FrameRate(window=2.0)
    for i in range(21):
        rate.add(0.02, now=10 + i * 0.1)  # 10 frames/s for 2 s, 20 ms each
    fps, ms = rate.rate(now=12.0)
    assert fps == pytest.approx(10.0) and ms == pytest.approx(20.0)
    assert rate.rate(now=20.0) == (0.0, 0.0)  # long after the last frame


def test_live_frames_of_every_stream_share_the_servers_slots(monkeypatch):
    """Two streams, one live slot: while one computes a frame, the other's frame is dropped (its viewer keeps the last
    picture) rather than computing beside it; never more frames compute at once than there are slots."""
    import threading

    gate = threading.BoundedSemaphore(1)
    inside, most, entered, release = [0], [0], threading.Event(), threading.Event()
    count = threading.Lock()

    def slow(frame):
        with count:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        entered.set()
        release.wait(5)
        with count:
            inside[0] -= 1
        return frame + 1, "slow"

    first, second = webcam.Feed(gate), webcam.Feed(gate)
    first.work, second.work = slow, lambda frame: (frame + 2, "fast")
    shown = second.process(np.zeros((4, 4, 3), np.uint8))  # a free slot: computed
    assert int(shown[0, 0, 0]) == 2
    worker = threading.Thread(target=first.process, args=(np.zeros((4, 4, 3), np.uint8),))
    worker.start()
    assert entered.wait(5)
    again = second.process(np.full((4, 4, 3), 7, np.uint8))  # the only slot is busy: dropped, last picture kept
    assert int(again[0, 0, 0]) == 2 and second.latest.frames == 1
    assert second.latest.dropped == 1 and second.latest.busy == 1
    release.set()
    worker.join(5)
    assert int(second.process(np.full((4, 4, 3), 7, np.uint8))[0, 0, 0]) == 9  # the slot is back
    assert most[0] == 1 and first.latest.frames == 1


def test_live_frame_slots_setting(monkeypatch):
    monkeypatch.setenv("CVCORE_JOBS", "4")
    monkeypatch.delenv("CVCORE_LIVE_FRAMES", raising=False)
    assert webcam.frame_slots() == 2  # half of the heavy-job slots
    monkeypatch.setenv("CVCORE_JOBS", "1")
    assert webcam.frame_slots() == 1  # at least one
    monkeypatch.setenv("CVCORE_LIVE_FRAMES", "3")
    assert webcam.frame_slots() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("CVCORE_LIVE_FRAMES", bad)
        with pytest.raises(InvalidParameter, match="CVCORE_LIVE_FRAMES"):
            webcam.frame_slots()
