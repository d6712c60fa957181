"""Page-wide accessibility fixes that Streamlit's default theme needs (found by axe-core in the browser tests).

Three things fall below WCAG AA contrast (4.5:1): captions (3.9:1 on white) and the labels of disabled widgets
(2.3:1), drawn in a faded grey, and the selected segment of a segmented control, in the primary colour on its own
tint (4.47:1); in the dark theme also a slider's value above its thumb. Deriving them from the text colour
(with an opacity for captions) keeps them readable in both the light and the dark theme.

While a run takes more than half a second Streamlit shows its running indicator (``client.toolbarMode = "viewer"``)
with a Stop button of its own; the labs' long jobs have their own Stop, so the indicator's is hidden: one Stop per
job, read once by a screen reader.

A chart's description in words (``ui.figures.show_chart``) is for assistive technology only: the ``cnnlab-sr-``
rule hides it visually, clipped to one pixel and out of the flow, and keeps it in the accessibility tree.

``st.image`` draws its caption beside an ``<img>`` without ``alt``: a small, constant script gives every image
its caption as ``alt`` (or marks it decorative with ``alt=""`` when it has none), also for images drawn later.
"""

import streamlit as st

__all__ = ["CSS", "ALT_SCRIPT", "style"]

CSS = """<style>
[data-testid="stCaptionContainer"] { color: inherit !important; opacity: 0.8; }
[data-testid="stCaptionContainer"] p { color: inherit !important; }
[data-testid="stWidgetLabel"], [data-testid="stWidgetLabel"] p { color: inherit !important; }
button[data-selected="true"], button[data-selected="true"] p { color: inherit !important; font-weight: 600; }
[data-testid="stSliderThumbValue"], [data-testid="stSliderThumbValue"] p { color: inherit !important; }
[data-testid="stStatusWidget"] button { display: none; }
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-cnnlab-sr-"]) {
  position: absolute !important; width: 1px !important; min-width: 0 !important; height: 1px !important;
  margin: -1px !important;
  padding: 0 !important; border: 0 !important; overflow: hidden !important; clip: rect(0 0 0 0) !important;
  clip-path: inset(50%) !important; white-space: nowrap !important;
}
</style>"""


ALT_SCRIPT = """<script>
(() => {
  if (window.cnnLabAltText) return;
  window.cnnLabAltText = true;
  const fix = () => document.querySelectorAll('[data-testid="stImageContainer"] img:not([alt])').forEach(img => {
    const caption = img.parentElement.querySelector('[data-testid="stImageCaption"]');
    img.setAttribute("alt", caption ? caption.innerText.trim() : "");
  });
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  fix();
})();
</script>"""


def style() -> None:
    st.html(CSS)
    st.html(ALT_SCRIPT, unsafe_allow_javascript=True)
