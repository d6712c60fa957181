"""The segmentation network's shapes, its metrics by hand, instances from classes, and the shipped weights on
held-out scenes."""

import pytest
import torch

from cvcore.data import shapes
from cvcore.detect import segmentation
from cvcore.errors import InvalidParameter, WeightsUnavailable


def test_the_u_shape_goes_down_and_back_up_with_transposed_convolutions():
    model = segmentation.TinyFCN()
    rows = segmentation.u_shape(model, 64)
    assert [r.shape[1] for r in rows] == [64, 32, 16, 8, 4, 8, 16, 32, 64, 64]
    assert [r.shape[0] for r in rows] == [3, 16, 32, 64, 128, 64, 32, 16, 16, 4]
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in model.modules()) == 4
    assert model(torch.zeros(2, 3, 96, 96)).shape == (2, 4, 96, 96)
    with pytest.raises(InvalidParameter, match="multiple of 16"):
        segmentation.u_shape(model, 100)


def test_iou_per_class_by_hand_and_against_masks():
    pred = torch.tensor([[0, 1, 1], [2, 2, 0]])
    true = torch.tensor([[0, 1, 2], [2, 2, 2]])
    iou = segmentation.iou_per_class(segmentation.confusion(pred, true, 4))
    # class 0: 1 right, predicted 2, true 1 -> 1/2; class 1: 1/2; class 2: 2 right of 2 predicted, 4 true -> 2/4.
    assert iou[:3].tolist() == [0.5, 0.5, 0.5] and torch.isnan(iou[3])
    for c in range(3):
        p, t = pred == c, true == c
        assert iou[c] == pytest.approx(float((p & t).sum() / (p | t).sum()))


def test_instances_split_classes_into_connected_regions():
    m = torch.zeros(10, 10, dtype=torch.long)
    m[0:3, 0:3] = 1
    m[0:3, 3:5] = 1  # touches the first: the same instance
    m[6:9, 6:9] = 1
    m[6:9, 0:2] = 2
    m[9, 9] = 3  # a speck below min_pixels
    ids, found = segmentation.instances(m, min_pixels=2)
    assert sorted((f.label, f.box, f.pixels) for f in found) == [(1, (0, 0, 5, 3), 15), (1, (6, 6, 9, 9), 9),
                                                                  (2, (0, 6, 2, 9), 6)]
    assert int(ids.max()) == 3 and int(ids[9, 9]) == 0


def test_a_missing_weights_file_says_how_to_make_it(tmp_path):
    with pytest.raises(WeightsUnavailable, match="scripts/train_fcn.py"):
        segmentation.load_fcn(tmp_path / "none.pt")


def test_the_shipped_network_segments_held_out_scenes():
    model = segmentation.load_fcn()
    saved = torch.load(segmentation.ASSET, weights_only=True)
    x, scenes = shapes.scenes(range(2_000_000, 2_000_060))
    with torch.inference_mode():
        pred = model(x).argmax(1)
    iou = segmentation.iou_per_class(segmentation.confusion(pred, torch.stack([s.semantic for s in scenes]), 4))
    assert float(iou.nanmean()) >= 0.6
    assert float(iou.nanmean()) == pytest.approx(saved["mean_iou"], abs=0.08)  # 60 of the 300 scenes the script scored
