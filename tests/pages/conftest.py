import base64
import re

import pytest
from streamlit.testing.v1 import AppTest

from harness.apptest import new_app, open_lab

# The pages' collapsible sections, which compute their content only while open.
SECTIONS = ("conv.open_how", "conv.open_check", "conv.open_photo", "pool.open_how", "pool.open_check", "pool.open_fmap",
            "vol.open_check", "vol.open_photo", "tconv.open_how", "tconv.open_check", "sep.open_code",
            "open_code_convolution.py", "open_code_pooling.py", "open_code_volume_convolution.py",
            "open_code_transposed_convolution.py", "inside.open_how", "inside.open_check", "inside.open_compare",
            "inside.open_journey", "inside.open_sanity", "open_code_heatmaps.py", "open_code_feature_maps.py",
            "open_code_iou.py", "open_code_nms.py",
            "faces.open_how", "faces.open_check", "open_code_face_verification.py")


_GLOSSARY_LINK = re.compile(r"\[([^\]]+)\]\(glossary#[^)]+\)")


@pytest.fixture
def open_page(monkeypatch):
    """``open_page("convolution", stride="2")`` runs app.py, goes to the page (with query parameters) and returns
    the AppTest, with every collapsible section open unless ``sections_open=False``."""
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    monkeypatch.setenv("CVCORE_DEVICE", "cpu")

    def _open(page: str, *, sections_open: bool = True, **query) -> AppTest:
        at = new_app()
        for key, value in query.items():
            at.query_params[key] = value
        for key in SECTIONS if sections_open else ():
            at.session_state[key] = True
        open_lab(at, page).run()
        assert not at.exception, at.exception
        return at

    return _open


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, one element per line, for assertions; a glossary link reads as its words,
    as a learner reads it ("[max pooling](glossary#max-pooling)" as "max pooling")."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.code] + [c.value for c in at.caption]
    parts += [x.value for x in at.latex] + [e.value for e in at.info] + [e.value for e in at.success]
    return _GLOSSARY_LINK.sub(r"\1", "\n".join(str(p) for p in parts))


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


_SVG = "data:image/svg+xml;base64,"


def photos(at: AppTest) -> list:
    """The page's images other than its number grids (which ``ui.figures.show_chart`` draws as SVG pictures)."""
    return [image for image in at.get("image") if not all(img.url.startswith(_SVG) for img in image.proto.imgs)]


def image_captions(at: AppTest) -> list[str]:
    return [caption for image in photos(at) for caption in image.captions]


def grid_pictures(at: AppTest) -> list[str]:
    """The SVG markup of every number grid the page drew as a picture (``ui.figures.show_chart``), in page order."""
    return [base64.b64decode(img.url[len(_SVG):]).decode() for image in at.get("image") for img in image.proto.imgs
            if img.url.startswith(_SVG)]


def chart_texts(at: AppTest) -> str:
    """What every chart of the page shows, as text: the plotly figures' specs and the number grids' SVG markup."""
    return "\n".join([str(c.proto.spec) for c in at.get("plotly_chart")] + grid_pictures(at))
