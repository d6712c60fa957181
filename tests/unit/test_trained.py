"""cvcore.networks.trained: a network trained in the app, kept as bytes and rebuilt with the same numbers."""

import hashlib

import pytest
import torch

from cvcore import zoo
from cvcore.errors import CvcoreError
from cvcore.networks import builder, trained


def test_a_record_rebuilds_the_same_network_in_eval_mode():
    specs = builder.course_example()
    model = builder.build_network(specs, trained.INPUT, seed=3).eval()
    record = trained.record_of(specs, model, 0.875)
    assert record["layers"] == builder.specs_text(specs) and record["val_acc"] == 0.875
    assert record["digest"] == hashlib.sha1(record["weights"]).hexdigest()[:12]
    assert trained.record_of(specs, model, 0.875)["digest"] == record["digest"]  # identical bytes, one name

    entry, rebuilt = trained.rebuild(record["layers"], record["weights"])
    assert not rebuilt.training and entry.name == trained.NAME and entry.channels == 1 and entry.crop == 28
    assert entry.cam_layer == "7"  # the course example's last layer of feature maps: the ReLU after conv 128
    x = torch.rand(2, *trained.INPUT)  # [2, 1, 28, 28]
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), model(x), rtol=0, atol=0)


def test_weights_that_do_not_fit_the_layers_are_refused():
    specs = builder.course_example()
    other = [builder.LayerSpec("conv", 4, 3), builder.LayerSpec("relu"), builder.LayerSpec("flatten"),
             builder.LayerSpec("linear", 10)]
    record = trained.record_of(other, builder.build_network(other, trained.INPUT), 0.5)
    with pytest.raises((CvcoreError, RuntimeError)):
        trained.rebuild(builder.specs_text(specs), record["weights"])


def test_the_shipped_network_gets_an_entry_with_its_last_map_layer():
    model = zoo.load_network(trained.SHIPPED)
    entry = trained.shipped_entry(model)
    assert entry.name == trained.SHIPPED and len(entry.categories) == 10
    assert entry.cam_layer in dict(model.named_children())
