"""Take the README's screenshot: start the app on 127.0.0.1, open a lab in Chromium, save a PNG.

    make screenshot            # writes docs/screenshot.png
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.browser import chromium_page
from harness.server import streamlit_app

STATE = "/convolution?src=stride_7x7&kernel=custom&kgrid=3,4,4/1,0,2/-1,0,3&stride=2&step=3"


def main(out: str) -> None:
    with streamlit_app(env=dict(os.environ, CVCORE_OFFLINE="1"), within=60) as app, \
            chromium_page({"width": 1400, "height": 1250}) as page:
        page.goto(app.url + STATE)
        page.get_by_text("= 88").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "docs" / "screenshot.png"))
