"""Live video through a network: the learner's camera streams to the server over WebRTC (``streamlit-webrtc``), each
frame the server can keep up with goes through a lab's per-frame function, and the annotated frame streams back.

Frames are dropped, never queued: while one frame is being processed the newer ones wait in streamlit-webrtc's queue,
and when the work is done only the latest of them is processed (the others are discarded, and the viewer keeps
seeing the last processed frame). The lab's work for one frame is a ``Work``: a function of the frame alone (uint8
[H, W, 3], RGB) that returns the picture to send back and a line of text. The page builds a new one on every run,
with the settings of that run, and hands it to the stream's ``Feed`` (replaced under a lock, read once per frame):
moving a threshold changes the very next frame. The work runs in streamlit-webrtc's thread, outside any script run,
so it must not call Streamlit; it may read shared models (``st.cache_resource``) but never change them.

Where WebRTC is not installed, or the browser cannot open a connection, the still camera (``st.camera_input``)
takes one picture through the same work.

Live video must not take the whole server from the learners who click: over every stream of the server, at most
``frame_slots()`` frames compute at once (``CVCORE_LIVE_FRAMES``; by default half of the heavy-job slots, at least
one). A frame that finds them all busy is dropped too, and its viewer keeps the last processed picture.

ICE servers (STUN/TURN) come from ``CVCORE_ICE_SERVERS``: empty by default, which works on 127.0.0.1 and on a LAN
with no outside service; a host behind NAT sets e.g. ``stun:stun.example.org:3478`` (comma-separated URLs) or a JSON
list of RTCIceServer objects (``[{"urls": "turn:turn.example.org", "username": "u", "credential": "p"}]``).
"""

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from cvcore import images
from cvcore.errors import CvcoreError, ImageError, InvalidParameter

__all__ = ["ICE_ENV", "LIVE_ENV", "Work", "Feed", "FrameRate", "ice_servers", "frame_slots", "webrtc_missing",
           "live_stream"]

ICE_ENV = "CVCORE_ICE_SERVERS"
LIVE_ENV = "CVCORE_LIVE_FRAMES"
Work = Callable[[np.ndarray], tuple[np.ndarray, str]]
VIDEO_HEIGHT = 420  # px of the returned video on the page
_LOG = logging.getLogger(__name__)


def ice_servers(value: str | None = None) -> list[dict]:
    """The RTCIceServer list from ``value`` (default: ``$CVCORE_ICE_SERVERS``): empty, comma-separated URLs, or JSON.

    >>> ice_servers(""), ice_servers("stun:a.example:3478, stun:b.example")
    ([], [{'urls': ['stun:a.example:3478', 'stun:b.example']}])

    Raises:
        InvalidParameter: JSON that is not a list of objects with ``urls``, or a URL that is not stun:/turn:/turns:.
    """
    text = (os.environ.get(ICE_ENV, "") if value is None else value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            servers = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidParameter(f"{ICE_ENV} must be a JSON list of ICE servers, got invalid JSON ({exc.msg})") from exc
        if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
            raise InvalidParameter(f"{ICE_ENV} must be a list of objects with 'urls', got {text[:80]!r}")
    else:
        servers = [{"urls": [u.strip() for u in text.split(",") if u.strip()]}]
    for server in servers:
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        bad = [u for u in urls if not str(u).startswith(("stun:", "turn:", "turns:"))]
        if bad:
            raise InvalidParameter(f"ICE server URLs must start with stun:, turn: or turns:, got {bad[0]!r}")
    return servers


def frame_slots() -> int:
    """How many live frames the whole server computes at once: ``$CVCORE_LIVE_FRAMES``, else half of the heavy-job
    slots (``ui.jobs.job_slots``: cores, or GPUs), at least one.

    Raises:
        InvalidParameter: the setting is not a whole number >= 1.
    """
    raw = os.environ.get(LIVE_ENV, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise InvalidParameter(f"{LIVE_ENV} must be a whole number >= 1, got {raw!r}")
        return int(raw)
    from ui.jobs import job_slots

    return max(1, job_slots() // 2)


_GATE: threading.BoundedSemaphore | None = None
_GATE_LOCK = threading.Lock()


def _server_gate() -> threading.BoundedSemaphore:
    """The server-wide limit on live frames computing at once (``frame_slots``), made on first use."""
    global _GATE
    with _GATE_LOCK:
        if _GATE is None:
            _GATE = threading.BoundedSemaphore(frame_slots())
        return _GATE


def webrtc_missing() -> str | None:
    """Why live video cannot run on this server (None when it can)."""
    try:
        import av  # noqa: F401
        import streamlit_webrtc  # noqa: F401
    except ImportError as exc:
        return f"the package streamlit-webrtc is not installed here ({exc.name} is missing)"
    from streamlit import runtime

    # The stream runs between the server and the browser that opened this session: a bare `python page.py` has no
    # server, and a run without a browser connection (Streamlit's AppTest) has no request headers and no one to
    # stream to.
    if not runtime.exists() or not st.context.headers:
        return "the page is not served by `streamlit run`"
    return None


class FrameRate:
    """Frames per second over the last ``window`` seconds of completed frames, and the mean time of each; thread-safe."""

    def __init__(self, window: float = 3.0):
        self.window = window
        self._done: deque[tuple[float, float]] = deque()  # (finished at, seconds of work)
        self._lock = threading.Lock()

    def add(self, seconds: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._done.append((now, seconds))
            while self._done and self._done[0][0] < now - self.window:
                self._done.popleft()

    def rate(self, now: float | None = None) -> tuple[float, float]:
        """(frames per second, mean milliseconds of work per frame); (0, 0) before two frames are done.

        >>> r = FrameRate(); [r.add(0.01, now=t / 10) for t in range(11)] and None; [round(v, 6) for v in r.rate(now=1.0)]
        [10.0, 10.0]
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            done = [d for d in self._done if d[0] >= now - self.window]
        if len(done) < 2 or done[-1][0] <= done[0][0]:
            return 0.0, 0.0
        return (len(done) - 1) / (done[-1][0] - done[0][0]), 1000 * sum(s for _, s in done) / len(done)


@dataclass(frozen=True)
class _Latest:
    text: str
    frames: int
    dropped: int
    busy: int = 0  # of the dropped: frames that found every live slot of the server busy


class Feed:
    """One stream's hand-over between the page (``work``, set on every run) and the frame thread (``process``)."""

    def __init__(self, gate: threading.Semaphore | None = None):
        self._lock = threading.Lock()
        self._work: Work | None = None
        self._latest = _Latest("", 0, 0)
        self._shown: np.ndarray | None = None  # the last picture sent back
        self._gate = gate  # None: the server's (``frame_slots``)
        self.rate = FrameRate()

    @property
    def work(self) -> Work | None:
        with self._lock:
            return self._work

    @work.setter
    def work(self, work: Work) -> None:
        with self._lock:
            self._work = work

    @property
    def latest(self) -> _Latest:
        with self._lock:
            return self._latest

    def process(self, frame: np.ndarray, *, dropped: int = 0) -> np.ndarray:
        """Run the current work on one frame (uint8 [H, W, 3]); a failure is written on the frame, never raised."""
        work = self.work
        if work is None:
            return frame
        gate = self._gate if self._gate is not None else _server_gate()
        if not gate.acquire(blocking=False):  # other streams hold every live slot: drop this frame too
            with self._lock:
                latest, shown = self._latest, self._shown
                self._latest = _Latest(latest.text, latest.frames, latest.dropped + dropped + 1,
                                       latest.busy + 1)
            return shown if shown is not None else _even(frame)
        start = time.perf_counter()
        try:
            picture, text = work(frame)
        except CvcoreError as exc:
            picture, text = frame, f"Cannot show this: {exc}"
        except Exception as exc:  # the stream must survive one bad frame; the reason is logged and shown
            _LOG.exception("live frame failed")
            picture, text = frame, f"This frame failed: {type(exc).__name__}: {exc}"
        finally:
            gate.release()
        self.rate.add(time.perf_counter() - start)
        picture = _even(picture)
        with self._lock:
            latest = self._latest
            self._latest = _Latest(text, latest.frames + 1, latest.dropped + dropped, latest.busy)
            self._shown = picture
        return picture

    async def process_queued(self, frames: list) -> list:
        """streamlit-webrtc's queued-frames callback: only the newest frame is processed, the older ones are dropped."""
        import av

        out = self.process(frames[-1].to_ndarray(format="rgb24"), dropped=len(frames) - 1)
        return [av.VideoFrame.from_ndarray(out, format="rgb24")]


def _even(picture: np.ndarray) -> np.ndarray:
    """The picture cut to even sides, which the video encoder needs."""
    h, w = picture.shape[:2]
    return np.ascontiguousarray(picture[: h - h % 2, : w - w % 2])


def _feed(key: str) -> Feed:
    # A Feed is a lock, a function and a few numbers: small enough for the session, and it must outlive reruns.
    feed = st.session_state.get(f"{key}._feed")
    if not isinstance(feed, Feed):
        feed = st.session_state[f"{key}._feed"] = Feed()
    return feed


def _status(feed: Feed) -> str:
    fps, ms = feed.rate.rate()
    latest = feed.latest
    if latest.frames == 0:
        return "Waiting for the first frame ..."
    speed = f"**{fps:.1f} frames/s** processed ({ms:.0f} ms each)" if fps else "measuring the frame rate ..."
    busy = f" ({latest.busy} while other cameras used the server)" if latest.busy else ""
    return f"{speed}, {latest.frames} frames so far, {latest.dropped} dropped{busy}. {latest.text}"


def live_stream(key: str, work: Work, *, still_label: str = "Take a still picture instead") -> None:
    """The camera's live video through ``work`` (see the module), the frame rate and the latest result's text below it;
    the still camera when WebRTC is missing (and, in an expander, for browsers that cannot stream)."""
    missing = webrtc_missing()
    if missing is None:
        try:
            servers = ice_servers()
            frame_slots()  # a bad setting is said here, not in the frame thread
        except InvalidParameter as exc:
            st.error(f"Live video is not configured correctly on this server: {exc}")
            servers = None
    if missing is not None or servers is None:
        if missing is not None:
            st.info(f"Live video is not available on this server: {missing}. Take a still picture instead.")
        _still(key, work)
        return
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    feed = _feed(key)
    feed.work = work
    ctx = webrtc_streamer(key=f"{key}_webrtc", mode=WebRtcMode.SENDRECV, rtc_configuration={"iceServers": servers},
                          queued_video_frames_callback=feed.process_queued,
                          media_stream_constraints={"video": True, "audio": False}, async_processing=True,
                          # one height whatever the picture's shape, so a view that changes it never pushes Stop
                          # out of the component's frame
                          video_html_attrs={"autoPlay": True, "controls": False, "muted": True,
                                            "style": {"width": "100%", "height": f"{VIDEO_HEIGHT}px",
                                                      "objectFit": "contain"}})
    if ctx.state.playing:
        _results(feed)
    else:
        st.caption("Press **Start** and allow the camera: every frame the server can keep up with goes through the "
                   "network, and older frames are dropped rather than queued.")
    with st.expander("No video? " + still_label):
        _still(key, work)


@st.fragment(run_every=1.0)
def _results(feed: Feed) -> None:
    st.markdown(_status(feed), help="Frames per second processed by the server over the last 3 seconds.")


def _still(key: str, work: Work) -> None:
    shot = st.camera_input("Take a picture", key=f"{key}_still")
    if shot is None:
        return
    try:
        image = images.load_image(shot.getvalue(), max_side=1024)
    except ImageError as exc:
        st.error(f"Could not use this picture: {exc}")
        return
    try:
        picture, text = work(np.asarray(image.convert("RGB")))
    except CvcoreError as exc:
        st.error(f"Cannot show this: {exc}")
        return
    st.image(picture, caption=text)
