"""Every image uploader of every lab against the hostile corpus: a clear message for each bad file, never a traceback.

The uploaders are found by exploring each page (``tests/pages/explore.py``), so a lab added to
``labs.LABS`` is covered without changing this file.
"""

import time

import pytest

from tests.hostile_corpus import corpus
from tests.pages.conftest import errors
from tests.pages.explore import explored, find, lab_pages, replay

# What cvcore.images.load_image says when it refuses a file: an accepted file must never read like this.
REFUSALS = ("not an image that can be read", "truncated or corrupt", "refused", "the file is empty", "expected at most")


def _messages(at) -> list[str]:
    return errors(at) + [str(w.value) for w in at.warning]


def _named_for(f, allowed: list[str]) -> str:
    """The browser's file dialog only offers allowed extensions, so hostile content arrives renamed."""
    ext = f.name.rsplit(".", 1)[-1].lower()
    allowed = [a.lstrip(".").lower() for a in allowed]
    return f.name if not allowed or ext in allowed else f"{f.name}.{allowed[0]}"


def test_the_corpus_is_big_and_varied():
    files = corpus()
    assert len([f for f in files if f.expect == "refused"]) >= 40
    assert len({f.name for f in files}) == len(files)
    for needed in ("empty.png", "png-truncated-half.png", "jpeg-truncated-half.jpg", "notes.txt.png", "drawing.svg",
                   "bomb-inflating.png", "bomb-30000px.png", "cmyk.jpg", "gray-16bit.png", "palette-transparent.png",
                   "animated.gif", "exif-rotated.jpg", "document.pdf", "huge-valid.jpg"):
        assert needed in {f.name for f in files}


@pytest.mark.parametrize("page", lab_pages())
def test_every_uploader_survives_the_corpus(open_page, page):
    found = explored(open_page, page)
    assert not found.failures, found.failures
    uploaders = found.of_kind("file_uploader", "camera_input")
    start = time.monotonic()
    for ident, path in uploaders:
        kind = "camera_input" if any(k == "camera_input" and i == ident for k, i in found.controls) else "file_uploader"
        # Closed sections make every run cheaper; an uploader inside one needs it open.
        for sections_open in (False, True):
            at = open_page(page, sections_open=sections_open)
            reached = replay(at, path)
            assert not at.exception, f"{page}: could not reach {ident}: {at.exception}"
            widget = find(at, kind, ident) if reached else None
            if widget is not None:
                break
        assert widget is not None, f"{page}: {ident} not found again"
        multiple = kind == "file_uploader" and widget.accept_multiple_files
        allowed = widget.allowed_type if kind == "file_uploader" else ["jpg"]
        # A multi-file uploader gets the whole corpus at once (what a learner's drag-and-drop does);
        # a single-file one every file in turn.
        # A camera only ever sends JPEGs it took: a third of the corpus is enough to show the same decoding holds.
        files = corpus()[::3] if kind == "camera_input" else corpus()
        batches = [list(files)] if multiple else [[f] for f in files]
        for batch in batches:
            widget = find(at, kind, ident)
            assert widget is not None, f"{page}: {ident} vanished after {batch[0].name}"
            mime = "image/jpeg" if kind == "camera_input" else "application/octet-stream"
            named = [(_named_for(f, allowed), f.data, mime) for f in batch]
            widget.set_value(named if multiple else named[0])
            at.run()
            assert not at.exception, f"{page}/{ident}/{batch[0].name}: {at.exception}"
            said = "\n".join(_messages(at))
            if multiple:
                refused = [f for f in batch if f.expect == "refused"]
                # every refused file is named in a message (the page may cap how many it reads)
                assert said, f"{page}/{ident}: nothing said about {len(refused)} bad files"
                continue
            f = batch[0]
            if f.expect == "refused":
                assert any(r in said for r in REFUSALS), f"{page}/{ident}/{f.name} ({f.why}): no clear message, got {said!r}"
            elif f.expect == "accepted":
                assert not any(r in said for r in REFUSALS[:3]), f"{page}/{ident}/{f.name} ({f.why}) refused: {said!r}"
        widget = find(at, kind, ident)
        widget.set_value(None)
        at.run()
        assert not at.exception, at.exception
    print(f"{page}: {len(uploaders)} uploaders, {time.monotonic() - start:.1f} s")
