"""The Architectures page driven through AppTest."""

from tests.pages.conftest import errors, texts


def test_architectures_page_tables_and_calculator(open_page):
    at = open_page("architectures")
    assert errors(at) == []
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Parameters"] == "62,958" and metrics["Input"] == "32 x 32 x 3"
    layers = next(d.value for d in at.dataframe if "multiply-adds" in d.value.columns)
    assert list(layers["parameters"][:4]) == [608, 0, 0, 3216]
    comparison = next(d.value for d in at.dataframe if "ImageNet top-1" in d.value.columns)
    assert list(comparison["parameters"][:3]) == ["61,706", "61,100,840", "138,357,544"]
    assert "**456** parameters" in texts(at) and "**14,450,688** weights" in texts(at) and "= 156" in texts(at)


def test_switching_network_and_input_size(open_page):
    at = open_page("architectures", net="resnet152")
    assert {m.label: m.value for m in at.metric}["Parameters"] == "60,192,808"
    at.number_input(key="arch.size").set_value(16).run()
    at = open_page("architectures", net="vgg16", size="16")
    assert any("cannot take a 16x16x3 input" in e for e in errors(at))


def test_focus_views_open(open_page):
    at = open_page("architectures")
    for key in ("arch.open_res", "arch.open_inc", "arch.open_mb"):
        at.session_state[key] = True
    at.run()
    assert errors(at) == [] and len(at.dataframe) == 6  # course table, layers, comparison, three focus tables
    assert "2,408,448 + 10,035,200 = 12,443,648" in texts(at)


def test_the_course_lenet_table(open_page):
    at = open_page("architectures")
    table = next(d.value for d in at.dataframe if "# parameters" in d.value.columns)
    assert list(table["layer"]) == ["Input", "CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax"]
    assert list(table["activation shape"]) == ["(32, 32, 3)", "(28, 28, 8)", "(14, 14, 8)", "(10, 10, 16)", "(5, 5, 16)",
                                               "(120, 1)", "(84, 1)", "(10, 1)"]
    assert list(table["activation size"]) == [3072, 6272, 1568, 1600, 400, 120, 84, 10]
    assert list(table["# parameters"]) == [0, 608, 0, 3216, 0, 48120, 10164, 850]
