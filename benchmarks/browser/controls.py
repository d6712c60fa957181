"""What a learner waits for in the browser: every lab's main controls, opening each lab, and a cold start.

Headless Chromium drives the real server (``streamlit run app.py`` on 127.0.0.1, offline, CPU). Each control is
timed from the input event (the key press, click or pick in a list, as the page sees it) until the changed output
is on screen, against the same measurement on the one-slider echo page (``benchmarks/browser/echo_page.py``) served by a
second server in the same run; the two are interleaved (control, echo, control, echo ...) and every repeat
changes the value back and forth, so each one is a real change. Medians; target: every control within 1.5x the
echo page.

"On screen" is decided in the page itself (``_PROBE``, run before Streamlit's own scripts): a Streamlit run (of the
page or of a fragment) has started since the input and is over, the output differs from what it was just before
the input (the text, images and plotly SVG of the element containers of ``stMain`` that are not widgets), no
element is ``data-stale`` (not yet redrawn by the current run), no skeleton is left, Streamlit's status widget is
gone or leaving, and every image in view has loaded. The time is that of the first animation frame at which the
page looked as it finally settles (unchanged for ``SETTLE_MS``; a later change, say a figure drawn after the text,
moves the time to that later frame; a run that the run itself asks for starts within that time).

Widgets are found by their keys (the ``st-key-<key>`` class Streamlit gives a keyed element, keys as the labs
declare them in ``labs/<lab>/settings.py``), else by their labels; a chart that takes clicks (the whole-network
view's cell picker) by the start of its title. Also timed: opening each lab in the warm server
(the address typed, until the lab is drawn and idle; target 1.5 s), and cold starts: from ``Popen`` of the server
until ``/convolution`` is drawn (target 8 s), and the same for the echo page.

    .venv/bin/python -m benchmarks.browser.controls                       # everything, medians of 7 (about 10 minutes)
    .venv/bin/python -m benchmarks.browser.controls --labs conv,faces --repeat 3 -v
    .venv/bin/python -m benchmarks.browser.controls --list                # the controls' names

``--root`` measures another checkout of the app (the echo page is this checkout's, served from that root so that
it reads the same ``.streamlit/config.toml``).
"""

import argparse
import math
import re
import statistics
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ECHO_PAGE = Path(__file__).resolve().with_name("echo_page.py")
VIEWPORT = {"width": 1400, "height": 1800}
CONTROL_TARGET = 1.5  # x the echo page
OPEN_TARGET_MS = 1500
COLD_TARGET_MS = 8000
COLD_LAB = "convolution"

sys.path.insert(0, str(ROOT))
from harness import browser as chromium
from harness.browser import edit_cell, widget
from harness.server import app_env, streamlit_app

# Runs in every page before Streamlit's own scripts. ``window.__bench``: ``arm()`` before an input, then
# ``changed(settle, timeout, output)`` resolves to the milliseconds from that input to the changed output;
# ``drawn(settle, timeout)`` to the milliseconds from navigation start until the page is drawn and idle.
_PROBE = r"""
(() => {
  if (window.__bench) return;
  const WIDGETS = new Set(["stButton", "stDownloadButton", "stFormSubmitButton", "stNumberInput", "stSlider",
    "stSelectSlider", "stSelectbox", "stMultiSelect", "stRadio", "stCheckbox", "stToggle", "stTextInput",
    "stTextArea", "stFileUploader", "stCameraInput", "stColorPicker", "stDateInput", "stTimeInput",
    "stButtonGroup", "stPageLink", "stLinkButton", "stDataFrameGlideDataEditor"]);
  // ``runsSinceInput``: the runs started since the input; ``finished``: how many of them have ended.
  const B = window.__bench = {runsSinceInput: 0, finished: 0, last: null, dirty: true, snap: "", parts: [],
                               before: null, beforeParts: [], t0: null};
  // Streamlit's own messages tell when a run starts (ForwardMsg field 4, new_session, sent for a fragment's run
  // too) and ends (field 6, script_finished; its value 2 means "stopped for a rerun": another run follows).
  // Only runs that start after the input count: a run that an earlier step of the change set off (typing into a
  // box before its Enter, say) is not its answer.
  const varint = (bytes, at) => {
    let value = 0, scale = 1, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80);
    return [value, at];
  };
  const onMessage = (event) => {
    if (!(event.data instanceof ArrayBuffer)) return;
    const bytes = new Uint8Array(event.data);
    let at = 0, key, value;
    while (at < bytes.length) {
      [key, at] = varint(bytes, at);
      const number = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) {
        [value, at] = varint(bytes, at);
        if (number === 6) {
          B.last = value === 2 ? "rerun" : "finished";
          if (B.runsSinceInput > 0) B.finished += 1;
        }
      } else if (wire === 2) {
        [value, at] = varint(bytes, at);
        if (number === 4) { B.last = "started"; if (B.t0 !== null) B.runsSinceInput += 1; }
        at += value;
      } else if (wire === 1) { at += 8; } else if (wire === 5) { at += 4; } else { return; }
    }
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) { super(...args); this.addEventListener("message", onMessage); }
  };
  new MutationObserver(() => { B.dirty = true; }).observe(document, {subtree: true, childList: true,
                                                                     attributes: true, characterData: true});
  const main = () => document.querySelector('[data-testid="stMain"]');
  const isWidget = (el) => {
    const inner = el.querySelector("[data-testid]");
    return (inner !== null && WIDGETS.has(inner.getAttribute("data-testid")))
      || el.querySelector('[data-testid="stWidgetLabel"]') !== null;
  };
  const parts = () => {
    const out = [];
    const root = main();
    for (const el of root ? root.querySelectorAll('[data-testid="stElementContainer"]') : []) {
      if (isWidget(el)) continue;
      const bits = [el.textContent];
      for (const img of el.querySelectorAll("img")) bits.push(img.getAttribute("src") || "");
      for (const svg of el.querySelectorAll(".js-plotly-plot svg.main-svg")) bits.push(svg.outerHTML);
      out.push(bits.join("\u0002"));
    }
    return out;
  };
  B.snapshot = () => {
    if (B.dirty) { B.dirty = false; B.parts = parts(); B.snap = B.parts.join("\u0001"); }
    return B.snap;
  };
  // What differs from the snapshot taken at ``arm()``: the first new (or else removed) containers, shortened.
  B.diff = () => {
    B.snapshot();
    const before = new Set(B.beforeParts), now = new Set(B.parts);
    const name = (p) => {
      const text = p.split("\u0002")[0].replace(/\s+/g, " ").trim();
      return (text || (p.includes("<svg") ? "[plotly figure]" : "[image]")).slice(0, 60);
    };
    let changed = B.parts.filter((p) => !before.has(p)).map(name), prefix = "";
    if (!changed.length) {
      changed = B.beforeParts.filter((p) => !now.has(p)).map(name);
      prefix = changed.length ? "removed: " : "";
    }
    if (!changed.length && B.snap !== B.before) changed = ["(the same parts, in another order)"];
    return prefix + changed.slice(0, 3).join(" | ") + (changed.length > 3 ? ` (+${changed.length - 3} more)` : "");
  };
  const imagesLoaded = () => {
    const root = main();
    for (const img of root ? root.querySelectorAll("img") : []) {
      const box = img.getBoundingClientRect();
      if (box.bottom > 0 && box.top < window.innerHeight && box.width > 0 && !img.complete) return false;
    }
    return true;
  };
  // The status widget fades out (class StatusWidget-exit) once the run is over: leaving counts as gone.
  const statusShown = () => document.querySelector(
    '[data-testid="stStatusWidget"]:not(.StatusWidget-exit):not(.StatusWidget-exit-active)') !== null;
  B.idle = () => B.last === "finished" && main() !== null
      && !document.querySelector('[data-stale="true"]')
      && !statusShown()
      && !document.querySelector('[data-testid="stSkeleton"]')
      && !document.querySelector('[data-testid="stAppSkeleton"]')
      && imagesLoaded();
  B.arm = () => {
    B.before = B.snapshot();
    B.beforeParts = B.parts;
    B.t0 = null;
    B.runsSinceInput = 0;
    B.finished = 0;
    const first = (e) => { if (B.t0 === null) B.t0 = e.timeStamp; };
    for (const type of ["keydown", "pointerdown"]) {
      window.addEventListener(type, first, {capture: true, once: true});
    }
  };
  // Resolves once ``ok()`` holds and the page has not changed for ``settle`` ms: to the time of the first frame
  // at which it held with the page as it then stayed.
  const until = (ok, settle, timeout) => new Promise((resolve, reject) => {
    const start = performance.now();
    let since = null, seen = null;
    const tick = () => {
      const now = performance.now();
      if (ok()) {
        const snap = B.snapshot();
        if (since === null || snap !== seen) { since = now; seen = snap; }
        else if (now - since >= settle) return resolve(since);
      } else {
        since = null;
      }
      if (now - start > timeout) return reject(new Error("timed out: " + B.why()));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // ``output`` false: only the run's end and an idle page (for a control that changes nothing else on the page).
  B.changed = async (settle, timeout, output) => {
    const at = await until(() => B.t0 !== null && B.finished > 0 && B.idle()
                                 && (!output || B.snapshot() !== B.before), settle, timeout);
    return at - B.t0;
  };
  B.drawn = (settle, timeout) => until(() => {
    const root = main();
    return B.idle() && root !== null && root.querySelector('[data-testid="stElementContainer"]') !== null;
  }, settle, timeout);
  B.origin = () => performance.timeOrigin;
  B.why = () => JSON.stringify({input: B.t0 !== null, runs: B.runsSinceInput, finished: B.finished, last: B.last,
    stale: document.querySelectorAll('[data-stale="true"]').length, status: statusShown(),
    skeleton: document.querySelectorAll('[data-testid="stSkeleton"]').length, images: imagesLoaded(),
    changed: B.snapshot() !== B.before});
})();
"""
SETTLE_MS = 150  # the page must stay as it is this long after the frame that is timed
OPEN_SETTLE_MS = 300
TIMEOUT_MS = 120_000  # opening a page
CHANGE_TIMEOUT_MS = 30_000


# ----------------------------------------------------------------------------------------------------- servers
def server(script: Path, root: Path, env: dict):
    """``streamlit run <script>`` from ``root`` (with its own .venv's Python, if it has one) on a free port of
    127.0.0.1; its ``started`` is the wall time of its start, for the cold start."""
    python = root / ".venv" / "bin" / "python"
    return streamlit_app(script=script, root=root, env=env, python=python if python.exists() else None,
                         interval=0.05)


def server_env() -> dict:
    return app_env(weights=True)


@contextmanager
def probed_pages(playwright):
    """Headless Chromium with the probe in every page: yields two pages (the lab's and the echo page's)."""
    browser = chromium.launch(playwright)
    try:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(_PROBE)
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page(), context.new_page()
    finally:
        browser.close()


# ------------------------------------------------------------------------------------------------ page helpers
def open_page(page, url: str) -> float:
    """Navigate to ``url``; the milliseconds from navigation start until the page is drawn and idle."""
    page.goto(url)
    return page.evaluate("([s, t]) => window.__bench.drawn(s, t)", [OPEN_SETTLE_MS, TIMEOUT_MS])


def drawn_at(page, url: str) -> float:
    """Navigate to ``url``; the wall time (epoch seconds) at which it was drawn and idle."""
    ms = open_page(page, url)
    return (page.evaluate("() => window.__bench.origin()") + ms) / 1000


def timed(page, act: Callable[[Callable[[], None]], None], output: bool = True) -> float:
    """``act(arm)`` makes one change, calling ``arm()`` just before its last input; the milliseconds until the
    changed output is on screen (``output`` false: until the run is over and the page idle)."""
    page.bring_to_front()
    act(lambda: page.evaluate("() => window.__bench.arm()"))
    return page.evaluate("([s, t, o]) => window.__bench.changed(s, t, o)", [SETTLE_MS, CHANGE_TIMEOUT_MS, output])


def what_changed(page) -> str:
    """The containers that the last timed change redrew with other content."""
    return page.evaluate("() => window.__bench.diff()")


def _starts(text: str) -> re.Pattern:
    return re.compile("^" + re.escape(text))


def number(key: str, label: str, up_first: bool = True):
    """A number input, one step up, then one down (down first when ``up_first`` is False): its + and - buttons, or,
    where the input is too narrow for Streamlit to draw them, the arrow keys (each press is committed at once)."""
    def act(page, i, arm):
        up = (i % 2 == 0) == up_first
        box = widget(page, "stNumberInput", key, label)
        button = box.locator('[data-testid="stNumberInputStepUp"]' if up else '[data-testid="stNumberInputStepDown"]')
        if button.count():
            arm()
            button.click()
        else:
            entry = box.locator("input")
            entry.focus()
            arm()
            entry.press("ArrowUp" if up else "ArrowDown")
    return act


def radio(key: str, label: str, options: tuple[str, str]):
    """A radio's two options, alternately (each option by the start of its text)."""
    def act(page, i, arm):
        option = widget(page, "stRadio", key, label).locator("label").filter(has_text=_starts(options[i % 2]))
        arm()
        option.first.click()
    return act


def select(key: str, label: str, options: tuple[str, str]):
    """A select box's two options, alternately: open the list, type the option's start, click it."""
    def act(page, i, arm):
        box = widget(page, "stSelectbox", key, label)
        box.click()
        box.locator("input").fill(options[i % 2])
        option = page.get_by_role("option").filter(has_text=_starts(options[i % 2])).first
        option.wait_for()
        arm()
        option.click()
    return act


def slider(key: str, label: str, keys: tuple[str, str] = ("ArrowRight", "ArrowLeft")):
    """A slider's thumb, one arrow key at a time (right, then left, by default)."""
    def act(page, i, arm):
        thumb = widget(page, "stSlider", key, label).get_by_role("slider")
        thumb.focus()
        arm()
        thumb.press(keys[i % 2])
    return act


def buttons(keys: tuple[str, str], names: tuple[str, str]):
    """Two buttons (the stepper's next and previous, say), alternately: by key, else by the start of their text."""
    def act(page, i, arm):
        button = widget(page, "stButton", keys[i % 2]).locator("button")
        if not button.count():
            button = page.locator('[data-testid="stButton"] button').filter(has_text=_starts(names[i % 2]))
        arm()
        button.first.click()
    return act


def text(key: str, label: str, values: tuple[str, str]):
    """A text input's two values, alternately: type the value, then Enter."""
    def act(page, i, arm):
        entry = widget(page, "stTextInput", key, label).locator("input")
        entry.fill(values[i % 2])
        arm()
        entry.press("Enter")
    return act


def click_chart(title: str, places: tuple[tuple[float, float], tuple[float, float]]):
    """Two places of the plotly chart whose text starts with ``title``, alternately, as fractions of its plot
    area (below the 50-px title): a click there. Each click waits out plotly.js's double-click delay (300 ms)
    after the last, so that it is not read as a double click, which clears the selection."""
    def act(page, i, arm):
        chart = page.locator(".js-plotly-plot").filter(has_text=_starts(title)).first
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        box = chart.bounding_box()
        fx, fy = places[i % 2]
        arm()
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + 50 + (box["height"] - 60) * fy)
    return act


def toggle_last_tag(key: str, label: str, option: str):
    """A multiselect: Backspace removes its last choice (``option``), then picking ``option`` puts it back."""
    def act(page, i, arm):
        box = widget(page, "stMultiSelect", key, label)
        entry = box.locator("input")
        if i % 2 == 0:
            entry.focus()
            arm()
            entry.press("Backspace")
        else:
            box.click()
            entry.fill(option)
            choice = page.get_by_role("option").filter(has_text=_starts(option)).first
            choice.wait_for()
            arm()
            choice.click()
    return act


# ----------------------------------------------------------------------------------------------------- the labs
@dataclass(frozen=True)
class Control:
    lab: str  # the lab's slug
    name: str
    act: Callable  # act(page, i, arm): the i-th change, calling arm() just before its last input
    query: str = ""  # the lab's address after the slug (a part of the lab, say)
    target: float = CONTROL_TARGET
    fresh: bool = False  # reopen the lab (its current link, untimed) before each change
    output: bool = True  # False: nothing on the page changes; timed until the run is over and the page idle

    @property
    def title(self) -> str:
        return f"{self.lab}: {self.name}"


STEP_BUTTONS = ("▶", "◀")
CONTROLS = [
    Control("convolution", "stride (+/-)", number("conv.stride", "Stride s")),
    Control("convolution", "padding (same/valid)", radio("conv.pad", "Padding", ("same", "valid"))),
    Control("convolution", "step (next/previous)", buttons(("conv.step_next", "conv.step_prev"), STEP_BUTTONS)),
    Control("pooling", "window f (+/-)", number("pool.size", "Window f")),
    Control("volumes", "stride (+/-)", number("vol.stride", "Stride s")),
    Control("separable", "groups g (-/+)", number("sep.g", "Groups g", up_first=False), query="?op=grouped&c=4&k=4"),
    Control("transposed", "stride (+/-)", number("tconv.stride", "Stride s")),
    Control("architectures", "network (select)", select("arch.net", "Network", ("AlexNet", "LeNet-5"))),
    # The editor's key follows the layers, so an edit made in an editor that a run has just replaced is dropped
    # (the next run draws a fresh editor): each edit starts from a freshly opened page.
    Control("build_cnn", "layer edit (filters 48/32)", edit_cell("build.editor_*", 0, 1, ("48", "32")), fresh=True),
    Control("inside_cnn", "layer (select)", select("inside.layer", "Layer", ("features.13", "features.6"))),
    Control("inside_cnn", "channel (+/-)", number("inside.channel", "Channel")),
    Control("inside_cnn", "heatmap method (-/+ saliency)", toggle_last_tag("inside._methods", "Methods", "Saliency"),
            query="?view=heatmaps"),
    Control("inside_cnn", "whole network: stage (features.2/13)",
            buttons(("inside_stage_features.2", "inside_stage_features.13"), ("features.2", "features.13")),
            query="?view=overview"),
    Control("inside_cnn", "whole network: cell (text)", text("inside.cell", "Cell (row, column)", ("3,4", "10,2")),
            query="?view=overview&layer=features.2.conv.1&channel=20"),
    Control("inside_cnn", "whole network: cell (click on the 112x112 map)",
            click_chart("Channel 20 of features.2.conv.1", ((0.3, 0.45), (0.62, 0.7))),
            query="?view=overview&layer=features.2.conv.1&channel=20"),
    Control("detection", "IoU threshold (slider)", slider("det.iou", "IoU threshold"), query="?view=nms"),
    Control("detection", "score threshold (slider)", slider("det.score", "Score threshold", ("ArrowLeft", "ArrowRight")),
            query="?view=nms"),
    Control("detection", "NMS step (next/previous)", buttons(("det.nms_step_next", "det.nms_step_prev"), STEP_BUTTONS),
            query="?view=nms"),
    Control("segmentation", "scene (+/-)", number("seg.seed", "Scene")),
    # Before training (transfer) or a run (style transfer) these change nothing on the page: timed until the run
    # is over and the page idle.
    Control("transfer", "case (radio, before training)", radio("transfer.case", "Case", ("Medium", "Small")),
            output=False),
    Control("style_transfer", "style layer weight (text, before a run)",
            text("style.lambdas", "lambda per style layer", ("0.4,0.3,0.1,0.1,0.1", "0.2,0.2,0.2,0.2,0.2")),
            query="?view=run", output=False),
    Control("faces", "tau (slider)", slider("faces.tau", "Threshold tau")),
]
ECHO = slider("value", "Value")


@dataclass
class Row:
    name: str
    ms: float
    ref_ms: float
    reference: str
    target: str
    met: bool
    times: list[float] = field(default_factory=list)
    ref_times: list[float] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # what each timed change redrew (controls)

    @property
    def ratio(self) -> float:
        return self.ms / self.ref_ms

    def line(self) -> str:
        return (f"{self.name:56} {self.ms:9.0f} {self.reference:>11} {self.ref_ms:8.0f} {self.ratio:7.2f}x "
                f"{self.target:>7} {'met' if self.met else 'MISSED':>6}")


HEADER = (f"{'browser: control / page':56} {'median ms':>9} {'reference':>11} {'ref ms':>8} {'ratio':>8} "
          f"{'target':>7} {'':>6}")


def measure_control(page, echo, control: Control, repeat: int, warmup: int = 1) -> Row:
    """Interleaved: one change of the lab's control, one change on the echo page, ``warmup + repeat`` times each
    (the first ``warmup`` not counted). Raises ``RuntimeError`` if a change does not show on the page."""
    ours, ref, changed = [], [], []
    for i in range(warmup + repeat):
        if control.fresh:
            open_page(page, page.url)
        try:
            ms = timed(page, lambda arm, i=i: control.act(page, i, arm), control.output)
            what = what_changed(page)
        except Exception as exc:
            raise RuntimeError(f"change {i}: {str(exc).splitlines()[0]}") from exc
        if control.output and not what:
            raise RuntimeError(f"change {i}: nothing on the page changed")
        ref_ms = timed(echo, lambda arm, i=i: ECHO(echo, i, arm))
        if not (ms > 0 and ref_ms > 0 and math.isfinite(ms) and math.isfinite(ref_ms)):
            raise RuntimeError(f"change {i}: impossible times {ms} ms, echo {ref_ms} ms")
        if i >= warmup:
            ours.append(ms)
            ref.append(ref_ms)
            changed.append(what or "(no output: run over, page idle)")
    ms, ref_ms = statistics.median(ours), statistics.median(ref)
    return Row(control.title, ms, ref_ms, "echo", f"{control.target:.1f}x", ms / ref_ms < control.target,
               ours, ref, changed)


def pick(labs: str | None) -> list[Control]:
    """The controls of the labs whose slugs start with one of the comma-separated ``labs`` (all when empty)."""
    if not labs:
        return list(CONTROLS)
    wanted = [w.strip() for w in labs.split(",") if w.strip()]
    chosen = [c for c in CONTROLS if any(c.lab.startswith(w) for w in wanted)]
    if not chosen:
        raise SystemExit(f"no lab starts with {labs!r}; labs: {', '.join(dict.fromkeys(c.lab for c in CONTROLS))}")
    return chosen


def rows(repeat: int = 7, labs: str | None = None, root: Path = ROOT, open_repeat: int = 3, cold: bool = True,
         verbose: bool = False, failures: list | None = None) -> list[Row]:
    """Every measurement as a ``Row``: the cold start (if ``cold``), opening each chosen lab ``open_repeat`` times
    (none when 0), and each chosen control ``repeat`` times. A control that cannot be driven is left out, and its
    reason printed (and appended to ``failures``)."""
    from playwright.sync_api import sync_playwright

    controls = pick(labs)
    slugs = list(dict.fromkeys(c.lab for c in controls))
    env = server_env()
    out: list[Row] = []

    def show(row: Row) -> None:
        if verbose:
            print(row.line(), flush=True)
            if row.changed:
                print(f"    {[round(t) for t in row.times]} ms, echo {[round(t) for t in row.ref_times]} ms; "
                      f"redrawn: {' / '.join(dict.fromkeys(row.changed[-2:]))}", flush=True)

    with sync_playwright() as p, probed_pages(p) as (page, echo), \
            server(ECHO_PAGE, root, env) as echo_server:
        echo_cold = (drawn_at(echo, echo_server.url) - echo_server.started) * 1000
        with server(root / "app.py", root, env) as app:
            app_cold = (drawn_at(page, f"{app.url}/{COLD_LAB}") - app.started) * 1000
            if cold:
                out.append(Row(f"cold server: Popen to /{COLD_LAB} drawn", app_cold, echo_cold, "echo cold",
                               f"{COLD_TARGET_MS / 1000:.0f} s", app_cold < COLD_TARGET_MS))
                show(out[-1])
            for slug in slugs if open_repeat > 0 else []:
                times, ref = [], []
                for _ in range(open_repeat):
                    times.append(open_page(page, f"{app.url}/{slug}"))
                    ref.append(open_page(echo, echo_server.url))
                ms, ref_ms = statistics.median(times), statistics.median(ref)
                out.append(Row(f"open /{slug} (warm server)", ms, ref_ms, "echo open",
                               f"{OPEN_TARGET_MS / 1000:.1f} s", ms < OPEN_TARGET_MS, times, ref))
                show(out[-1])
            for control in controls:
                try:
                    open_page(page, f"{app.url}/{control.lab}{control.query}")
                    open_page(echo, echo_server.url)
                    out.append(measure_control(page, echo, control, repeat))
                except Exception as exc:  # one control that cannot be driven does not lose the others
                    reason = f"{control.title}: not measured ({str(exc).splitlines()[0]})"
                    print(reason, file=sys.stderr, flush=True)
                    if failures is not None:
                        failures.append(reason)
                    continue
                show(out[-1])
    return out


def report(result: list[Row], failures: list[str]) -> list[str]:
    lines = [HEADER, *(row.line() for row in result)]
    missed = [row.name for row in result if not row.met]
    lines.append(f"targets: controls < {CONTROL_TARGET}x echo, warm open < {OPEN_TARGET_MS / 1000} s, cold start < "
                 f"{COLD_TARGET_MS / 1000:.0f} s: {len(result) - len(missed)} of {len(result)} met"
                 + (f"; missed: {', '.join(missed)}" if missed else ""))
    lines.extend(f"not measured: {f}" for f in failures)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="changes timed per control, and as many on the echo "
                        "page, interleaved (default 7; one more, untimed, warms up)")
    parser.add_argument("--open-repeat", type=int, default=3, help="times each lab is opened (0: not timed)")
    parser.add_argument("--labs", default="", help="comma-separated starts of lab slugs, e.g. conv,faces (all by default)")
    parser.add_argument("--no-cold", action="store_true", help="leave the cold start out of the report")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py is served")
    parser.add_argument("--list", action="store_true", help="list the controls and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each row as it is measured, with what "
                        "each change redrew")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(f"{c.title}  (/{c.lab}{c.query})" for c in CONTROLS))
        return
    print(f"Browser round trips of {args.root} (headless Chromium, 127.0.0.1, CPU; medians of {args.repeat} "
          "changes, interleaved with the one-slider echo page)\n", flush=True)
    failures: list[str] = []
    result = rows(args.repeat, args.labs, args.root.resolve(), args.open_repeat, not args.no_cold, args.verbose,
                  failures)
    print("\n".join(report(result, failures)))


if __name__ == "__main__":
    main()
