"""Transfer learning: the three cases' frozen layers and parameter counts by hand, the shared model left alone,
frozen statistics kept, head training on cached features, and export round trips."""

import pytest
import torch

from cvcore.errors import InvalidParameter
from cvcore.networks import transfer
from cvcore.networks.training import train_classifier


@pytest.fixture(scope="module")
def textures(entry):
    return transfer.image_set(transfer.texture_set(8), entry)


def test_the_three_cases_freeze_what_the_course_says(mobilenet):
    before = [(p.clone(), p.requires_grad) for p in mobilenet.parameters()]
    small, plan_small = transfer.make_network(mobilenet, 5, "small")
    medium, plan_medium = transfer.make_network(mobilenet, 5, "medium")
    large, plan_large = transfer.make_network(mobilenet, 5, "large")
    assert plan_small.trainable == 1280 * 5 + 5 and len(plan_small.frozen_blocks) == 19
    assert plan_medium.frozen_blocks == tuple(f"features.{i}" for i in range(10))
    assert plan_medium.trainable == sum(p.numel() for p in medium.features[10:].parameters()) + 6405
    assert plan_large.trainable == plan_large.total == sum(p.numel() for p in large.parameters())
    assert all(torch.equal(p, b) and p.requires_grad == g for p, (b, g) in zip(mobilenet.parameters(), before, strict=True))
    with pytest.raises(InvalidParameter, match="case must be one of"):
        transfer.make_network(mobilenet, 5, "huge")


def test_frozen_blocks_keep_their_weights_and_statistics_while_the_rest_trains(mobilenet, textures):
    net, _ = transfer.make_network(mobilenet, len(textures.classes), "medium")
    frozen = {k: v.clone() for k, v in net.features[:10].state_dict().items()}
    free = {k: v.clone() for k, v in net.features[10:].state_dict().items()}
    list(train_classifier(net, textures, epochs=1, lr=1e-3, batch_size=16, reports_per_epoch=1))
    assert all(torch.equal(v, net.features[:10].state_dict()[k]) for k, v in frozen.items())  # weights and BN stats
    assert any(not torch.equal(v, net.features[10:].state_dict()[k]) for k, v in free.items())


def test_the_head_trains_on_cached_features(mobilenet, textures):
    net, _ = transfer.make_network(mobilenet, len(textures.classes), "small")
    cached = transfer.head_features(net, textures.val_x)
    with torch.no_grad():
        torch.testing.assert_close(cached, net.eval().embed(textures.val_x))
    records = list(transfer.train_head(net, textures, epochs=20))
    assert records[-1].val_acc >= 0.6  # 5 textures that overlap, 6 training images each (chance: 0.2)
    with torch.no_grad():
        accuracy = float((net(textures.val_x).argmax(1) == textures.val_y).float().mean())
    assert accuracy == pytest.approx(records[-1].val_acc)


def test_bad_class_sets_are_explained(entry):
    groups = transfer.texture_set(3)
    with pytest.raises(InvalidParameter, match="at least 2 classes"):
        transfer.image_set({"brick": groups["brick"], "empty": []}, entry)
    with pytest.raises(InvalidParameter, match=r"at least 2 images .* got 1 in \['grass'\]"):
        transfer.image_set({"brick": groups["brick"], "grass": groups["grass"][:1]}, entry)


def test_export_and_reload_give_the_same_network(mobilenet, entry, textures):
    net, _ = transfer.make_network(mobilenet, len(textures.classes), "small")
    weights, meta = transfer.export(net.eval(), textures.classes, entry)
    loaded_entry, loaded = transfer.load_exported(weights, meta)
    assert loaded_entry.categories == textures.classes and loaded_entry.cam_layer == "features.18"
    with torch.no_grad():
        torch.testing.assert_close(loaded(textures.val_x), net(textures.val_x))
    with pytest.raises(InvalidParameter, match="not a network exported"):
        transfer.load_exported(b"junk", meta)


def test_grad_cam_works_on_a_network_whose_weights_are_all_frozen(mobilenet, textures):
    from cvcore import attribution

    net, _ = transfer.make_network(mobilenet, len(textures.classes), "small")
    net.head.requires_grad_(False)
    heat = attribution.grad_cam(net.eval(), textures.val_x[:1], 0, "features.18")
    assert heat.shape == (224, 224) and float(heat.max()) == pytest.approx(1.0)


def test_the_builtin_classes_are_hard_enough_that_curves_move_and_cases_differ(mobilenet, entry):
    """The lab's defaults (20 patches per class, batches of 16): the small case is not solved after one epoch and
    ends below 100 %; fine-tuning half the backbone draws another curve; from random weights, at SCRATCH_SIZE, the
    network stays far below the pretrained one after the same epochs."""
    from cvcore import heavy

    data = transfer.image_set(transfer.texture_set(20), entry)

    def curve(case: str, epochs: int) -> list[float]:
        if case == "scratch":
            net, _ = transfer.random_network(len(data.classes), device="cpu")
            records = heavy.transfer_records(net, transfer.downsized(data), epochs=epochs, lr=1e-3, batch_size=16,
                                             from_scratch=True)
        else:
            net, _ = transfer.make_network(mobilenet, len(data.classes), case)
            records = heavy.transfer_records(net, data, epochs=epochs, lr=transfer.CASES[case].lr, batch_size=16)
        return [r.val_acc for r in records]

    small, medium, scratch = curve("small", 10), curve("medium", 2), curve("scratch", 2)
    assert small[0] < small[-1] < 1.0
    assert medium != small[:2]
    assert max(scratch) < small[-1] - 0.2
