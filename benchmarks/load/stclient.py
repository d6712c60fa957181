"""A Streamlit client that speaks the app's own protocol, as the browser's frontend does, without a browser.

One ``Session`` is one browser tab: an HTTP visit for the cookies, then the WebSocket ``/_stcore/stream`` carrying
protobufs both ways (``BackMsg`` up, ``ForwardMsg`` down). What the frontend does, read from Streamlit 1.67's
server code and its bundled frontend (``static/static/js/index.*.js``), and done here the same way:

- The visit: ``GET <page>`` (behind ``deploy/nginx.conf`` this sets the ``cnnlab_route`` cookie that keeps the learner
  on one replica), ``GET /_stcore/health`` (sets the ``_streamlit_xsrf`` cookie), ``GET /_stcore/host-config``; every
  request sends the cookies received so far.
- The socket: subprotocols ``["streamlit", <xsrf cookie value>]`` (the server repurposes that header to carry the
  XSRF token, and a third entry, the last session id, when the frontend reconnects), the cookies, and an ``Origin``
  of the page's own origin. The frontend compresses frames (permessage-deflate) and sends no pings of its own.
- A run: ``BackMsg.rerun_script`` with a ``ClientState``: the query string the page shows, every widget state the
  page holds (each widget registers its value when it is drawn; a button's trigger is sent once), the page (by
  ``page_name`` = URL path on the first run, by ``page_script_hash`` after), the ``fragment_id`` of the changed
  widget when it lives in an ``st.fragment`` (its delta says which), and ``cached_message_hashes``.
- The server answers ``new_session`` (this run's id in ``metadata.run``, the session id), deltas (``new_element``,
  ``add_block``) at ``metadata.delta_path``, ``page_info_changed`` (the new query string), ``navigation`` (the pages
  and their script hashes) and ``script_finished`` (with the run's id and fragment ids).
- ForwardMsg caching: a delta large enough is marked ``cacheable``; the client keeps it by hash and lists the hashes
  it holds in every rerun; the server then sends only ``ref_hash`` for those, which the client resolves from its own
  copy. Entries unused for ``max_cached_message_age`` full runs are dropped (the frontend's ``ForwardMsgCache``).
- When a run ends, elements (and widget states) that the run did not draw again are gone, as in the frontend's
  ``clearStaleNodes``: all of them after a full run, those of the rerun fragments after a fragment run.
- A fragment with ``run_every`` (a long job's live view) is announced by ``auto_rerun``; the frontend's timer reruns
  it until a full run no longer draws it. ``poll`` plays one tick of it when the caller wants to follow a job.
"""

import asyncio
import hashlib
import http.cookies
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from harness.server import HEALTH

__all__ = ["Node", "Run", "Session", "SessionLost", "WidgetNotFound", "RunTimeout", "WIDGET_KINDS"]

# The elements that hold a widget state, by their ``Element`` field name.
WIDGET_KINDS = ("button", "checkbox", "number_input", "slider", "selectbox", "radio", "button_group", "multiselect",
                "text_input", "text_area", "download_button", "file_uploader", "camera_input", "color_picker",
                "date_input", "time_input", "chat_input", "plotly_chart", "menu_button", "pagination")
_INPUTS = frozenset(WIDGET_KINDS) - {"plotly_chart"}
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY: "ok", ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
         ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error"}


class SessionLost(ConnectionError):
    """The socket closed, or the server answered with another session id than the one this tab had."""


class WidgetNotFound(LookupError):
    pass


class RunTimeout(TimeoutError):
    pass


@dataclass
class Node:
    """An element or a block that the page shows at ``path`` (its ``delta_path``)."""

    path: tuple[int, ...]
    kind: str  # the Element field ("slider", "markdown") or "block:<type>" ("block:expandable")
    proto: object  # that field's message
    fragment_id: str
    run_id: str

    @property
    def id(self) -> str:
        return getattr(self.proto, "id", "")

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")


@dataclass
class Run:
    """One script run that a BackMsg started, until its ``script_finished``."""

    sent: float  # time.monotonic() when the BackMsg went out
    known: frozenset  # run ids seen before it: the run asked for has another id
    run_id: str = ""
    status: str = ""
    fragment_ids: tuple[str, ...] = ()
    finished: float = 0.0
    first_delta: float = 0.0
    exceptions: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    deltas: int = 0
    refs: int = 0  # deltas sent as a ref_hash and resolved from the client's cache
    bytes: int = 0
    before: str = ""  # the page's digest when the BackMsg went out
    changed: bool = False  # whether the page shows anything else once the run is over
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float:
        return self.finished - self.sent


@dataclass
class _Cached:
    msg: ForwardMsg
    age_mark: int
    fragment_id: str


class Session:
    """One learner's browser tab (see the module). ``base_url`` is ``http://127.0.0.1:PORT``; only 127.0.0.1 is
    accepted, since this drives load."""

    def __init__(self, base_url: str, *, timeout: float = 60.0):
        parts = urllib.parse.urlsplit(base_url)
        if parts.hostname != "127.0.0.1":
            raise ValueError(f"expected a server on 127.0.0.1, got {base_url!r}")
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.cookies: dict[str, str] = {}
        self.session_id = ""
        self.resets = 0  # new session ids where the old one was expected
        self.closed_reason = ""
        self.query = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.states: dict[str, WidgetState] = {}  # widget id -> the state the page would send
        self.auto_reruns = 0  # run_every fragments the server asked for (``poll`` plays them when asked)
        self.timers: dict[str, float] = {}  # fragment id -> its run_every seconds, as the server last asked
        self._run_timers: dict[str, float] = {}  # those the current run asked for
        self.received_bytes = 0
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._cache: dict[str, _Cached] = {}
        self._runs_seen = 0
        self._max_age = 2
        self._got_new_session = False
        self._run_ids: set[str] = set()
        self._current_run = ""
        self._current_fragments: tuple[str, ...] = ()
        self._waiting: Run | None = None
        self._watchers: list[tuple[callable, asyncio.Future]] = []

    # --- connecting ------------------------------------------------------------------------------------------------
    def _get(self, path: str) -> int:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        request = urllib.request.Request(self.base_url + path, headers=headers)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only, never a proxy
        with opener.open(request, timeout=self.timeout) as response:
            for raw in response.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie()
                jar.load(raw)
                self.cookies.update({name: morsel.value for name, morsel in jar.items()})
            response.read()
            return response.status

    async def open(self, path: str = "/", query: str = "") -> Run:
        """Visit ``path`` (``/convolution``) as a browser does and run its page; returns that first run."""
        for url in (path + (f"?{query}" if query else ""), HEALTH, "/_stcore/host-config"):
            await asyncio.to_thread(self._get, url)
        ws_url = "ws" + self.base_url[len("http"):] + "/_stcore/stream"
        self._ws = await websockets.connect(
            ws_url, subprotocols=["streamlit", self.cookies.get("_streamlit_xsrf", "PLACEHOLDER_AUTH_TOKEN")],
            origin=self.base_url, additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
            compression="deflate", max_size=None, ping_interval=None, proxy=None, open_timeout=self.timeout)
        self._reader = asyncio.create_task(self._read())
        self.query = query
        return await self.rerun(page_name=path.strip("/"))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # --- the page --------------------------------------------------------------------------------------------------
    def widgets(self, kind: str | None = None) -> list[Node]:
        return [n for n in self.nodes.values() if (n.kind in WIDGET_KINDS or n.kind.startswith("block:"))
                and n.id and (kind is None or n.kind == kind)]

    def widget(self, label: str, kind: str | None = None) -> Node:
        """The widget with this label (exact; else the only one whose label starts with it)."""
        found = [n for n in self.widgets(kind) if n.label == label]
        if not found:
            found = [n for n in self.widgets(kind) if n.label.startswith(label)]
        if len(found) != 1:
            shown = sorted({f"{n.kind}:{n.label}" for n in self.widgets()})
            raise WidgetNotFound(f"expected one {kind or 'widget'} labelled {label!r}, found {len(found)} "
                                 f"(the page shows {shown})")
        return found[0]

    def has(self, label: str, kind: str | None = None) -> bool:
        return any(n.label == label for n in self.widgets(kind))

    def text(self) -> str:
        """The text the page shows: markdown, headings, alerts, progress lines and widget labels, in page order."""
        out = []
        for path in sorted(self.nodes):
            node = self.nodes[path]
            for name in ("body", "text", "label"):
                value = getattr(node.proto, name, "")
                if isinstance(value, str) and value:
                    out.append(value)
                    break
        return "\n".join(out)

    def digest(self) -> str:
        """A hash of what the page shows besides its controls (every text, figure, image, table and block, with its
        content, at its place): two digests differ when an interaction changed an output."""
        h = hashlib.blake2b(digest_size=16)
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if node.kind in _INPUTS:
                continue
            h.update(repr((path, node.kind)).encode())
            h.update(node.proto.SerializeToString(deterministic=True))
        return h.hexdigest()

    def value(self, label: str, kind: str | None = None):
        """The value a widget's state holds (None if it holds none)."""
        state = self.states.get(self.widget(label, kind).id)
        return None if state is None else _unpack(state)

    # --- interactions ------------------------------------------------------------------------------------------------
    async def set(self, label: str, value, kind: str | None = None) -> Run:
        """Change a widget as a learner would, and wait for the run that follows."""
        node = self.widget(label, kind)
        if getattr(node.proto, "disabled", False):
            raise WidgetNotFound(f"{node.kind} {label!r} is disabled")
        self.states[node.id] = _state_for(node, value)
        return await self.rerun(fragment_id=node.fragment_id)

    async def click(self, label: str, *, wait: bool = True) -> Run:
        """Press a button (its trigger is sent with this run only)."""
        node = self.widget(label, "button")
        if node.proto.disabled:
            raise WidgetNotFound(f"button {label!r} is disabled")
        trigger = WidgetState(id=node.id, trigger_value=True)
        return await self.rerun(fragment_id=node.fragment_id, extra=[trigger], wait=wait)

    async def expand(self, label: str, opened: bool = True) -> Run:
        """Open (or close) an expander that reruns the page when it is toggled."""
        node = self.widget(label, "block:expandable")
        self.states[node.id] = WidgetState(id=node.id, bool_value=opened)
        return await self.rerun(fragment_id=node.fragment_id)

    async def goto(self, url_path: str, query: str = "") -> Run:
        """Follow a navigation link (``query``: the link's own query string, as in a shared link): the target page
        by its script hash; the widgets of the old page are dropped."""
        if url_path not in self.pages:
            raise WidgetNotFound(f"no page at /{url_path} (pages: {sorted(self.pages)})")
        main = {n.id for n in self.nodes.values() if n.path[:1] == (0,)}
        self.states = {k: v for k, v in self.states.items() if k not in main}
        self.query = query
        return await self.rerun(page_script_hash=self.pages[url_path])

    async def rerun(self, *, fragment_id: str = "", page_script_hash: str | None = None, page_name: str = "",
                    extra: list[WidgetState] = (), wait: bool = True) -> Run:
        """Send ``rerun_script`` with the page's whole state; wait for the run it starts (unless ``wait`` is False:
        then ``await self.finish(run)`` later)."""
        if self.closed_reason:
            raise SessionLost(self.closed_reason)
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query
        states = {**self.states, **{s.id: s for s in extra}}
        client.widget_states.widgets.extend(states.values())
        client.page_script_hash = self.page_hash if page_script_hash is None else page_script_hash
        client.page_name = page_name if not client.page_script_hash else ""
        client.fragment_id = fragment_id
        client.cached_message_hashes.extend(self._cache)
        info = client.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url = f"{self.base_url}/{page_name}"
        run = Run(sent=time.monotonic(), known=frozenset(self._run_ids), before=self.digest())
        self._waiting = run
        self._got_new_session = False
        await self._send(msg)
        if wait:
            await self.finish(run)
        return run

    async def poll(self) -> Run | None:
        """One tick of the newest ``run_every`` fragment the server asked for (a job's live view), as the frontend's
        timer plays it: wait its interval, then rerun it. None when the page has no such fragment."""
        if not self.timers:
            return None
        fragment_id, every = next(reversed(self.timers.items()))
        await asyncio.sleep(every)
        run = await self.rerun(fragment_id=fragment_id, wait=False)
        try:
            return await self.finish(run, timeout=max(10.0, 20 * every))
        except RunTimeout:  # a fragment the server no longer has is never run, and nothing answers
            self.timers.pop(fragment_id, None)
            return run

    async def stop_script(self) -> None:
        msg = BackMsg()
        msg.stop_script = True
        await self._send(msg)

    async def finish(self, run: Run, timeout: float | None = None) -> Run:
        try:
            await asyncio.wait_for(run.done.wait(), timeout or self.timeout)
        except TimeoutError:
            raise RunTimeout(f"no script_finished within {timeout or self.timeout:.0f} s") from None
        if run.status == "lost":
            raise SessionLost(self.closed_reason)
        run.changed = self.digest() != run.before
        return run

    async def wait_for(self, predicate, timeout: float | None = None) -> tuple[float, Node]:
        """Wait until a delta arrives whose Node satisfies ``predicate``; returns when (time.monotonic()) and that
        node."""
        future = asyncio.get_running_loop().create_future()
        self._watchers.append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout or self.timeout)
        except TimeoutError:
            raise RunTimeout(f"the page did not show what was expected within {timeout or self.timeout:.0f} s") \
                from None
        finally:
            self._watchers = [(p, f) for p, f in self._watchers if f is not future]

    async def _send(self, msg: BackMsg) -> None:
        try:
            await self._ws.send(msg.SerializeToString())
        except websockets.ConnectionClosed as exc:
            self._lost(f"socket closed: {exc}")
            raise SessionLost(self.closed_reason) from None

    # --- what the server sends ---------------------------------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                self.received_bytes += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self._handle(msg, len(raw))
            self._lost(f"socket closed by the server ({self._ws.close_code})")
        except websockets.ConnectionClosed as exc:
            self._lost(f"socket closed: {exc}")
        except Exception as exc:  # a bug here must not leave a waiter hanging
            self._lost(f"client error: {type(exc).__name__}: {exc}")
            raise

    def _lost(self, reason: str) -> None:
        if not self.closed_reason:
            self.closed_reason = reason
        if self._waiting is not None and not self._waiting.done.is_set():
            self._waiting.status = "lost"
            self._waiting.done.set()
        for _, future in self._watchers:
            if not future.done():
                future.set_exception(SessionLost(reason))

    def _handle(self, msg: ForwardMsg, size: int) -> None:
        kind = msg.WhichOneof("type")
        run = self._waiting
        if run is not None:
            run.bytes += size
        if kind == "new_session":
            self._on_new_session(msg)
        elif kind in ("delta", "ref_hash"):
            self._on_delta(msg)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "script_finished":
            self._on_finished(msg)
        elif kind == "auto_rerun":
            self.auto_reruns += 1
            self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            self._run_timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "page_not_found" and run is not None:
            run.exceptions.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception") and run:
            run.exceptions.append(msg.session_event.script_compilation_exception.message)

    def _on_new_session(self, msg: ForwardMsg) -> None:
        ns = msg.new_session
        sid = ns.initialize.session_id
        if self.session_id and sid and sid != self.session_id:
            self.resets += 1
        self.session_id = sid or self.session_id
        self._max_age = ns.config.max_cached_message_age or self._max_age
        if ns.app_pages:
            self.pages.update({p.url_pathname: p.page_script_hash for p in ns.app_pages})
        self.page_hash = ns.page_script_hash or self.page_hash
        self._current_run = msg.metadata.run.script_run_id
        self._current_fragments = tuple(msg.metadata.run.fragment_ids)
        self._run_timers = {}
        self._run_ids.add(self._current_run)
        self._got_new_session = True
        run = self._waiting
        if run is not None and not run.run_id and self._current_run not in run.known:
            run.run_id = self._current_run

    def _on_delta(self, msg: ForwardMsg) -> None:
        run = self._waiting
        if msg.WhichOneof("type") == "ref_hash":
            entry = self._cache.get(msg.ref_hash)
            if entry is None:  # the frontend reports this as a bug too
                if run is not None:
                    run.exceptions.append(f"cached ForwardMsg missing: {msg.ref_hash}")
                return
            entry.age_mark = self._runs_seen
            full = ForwardMsg()
            full.CopyFrom(entry.msg)
            full.metadata.CopyFrom(msg.metadata)
            msg = full
            if run is not None:
                run.refs += 1
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self._cache:
                self._cache[msg.hash].age_mark = self._runs_seen
            else:
                self._cache[msg.hash] = _Cached(msg, self._runs_seen, msg.delta.fragment_id)
        delta = msg.delta
        dtype = delta.WhichOneof("type")
        path = tuple(msg.metadata.delta_path)
        if dtype == "new_element":
            element = delta.new_element
            ekind = element.WhichOneof("type")
            node = Node(path, ekind, getattr(element, ekind), delta.fragment_id, self._current_run)
        elif dtype == "add_block":
            btype = delta.add_block.WhichOneof("type") or "vertical"
            node = Node(path, f"block:{btype}", getattr(delta.add_block, btype), delta.fragment_id, self._current_run)
        else:  # new_transient: spinners and toasts beside the page
            return
        self.nodes[path] = node  # what was under an old node there goes when the run ends (``_clear_stale``)
        for depth in range(2, len(path)):  # the blocks above it belong to this run too (their fragment stays)
            parent = self.nodes.get(path[:depth])
            if parent is not None:
                parent.run_id = self._current_run
        if run is not None:
            run.deltas += 1
            run.first_delta = run.first_delta or time.monotonic()
            if node.kind == "exception":
                run.exceptions.append(f"{node.proto.type}: {node.proto.message}"[:300])
            elif node.kind == "alert" and node.proto.format == node.proto.ERROR:
                run.alerts.append(node.proto.body[:200])
        if node.id and (node.id not in self.states or getattr(node.proto, "set_value", False)):
            state = _initial_state(node)
            if state is not None:
                self.states[node.id] = state
        for predicate, future in self._watchers:
            if not future.done() and predicate(node):
                future.set_result((time.monotonic(), node))

    def _on_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        run_id = msg.metadata.run.script_run_id or self._current_run
        fragments = tuple(msg.metadata.run.fragment_ids)
        if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self._clear_stale(run_id, fragments)
            if not fragments:  # a full run: the timers of fragments it did not draw are gone, as in the frontend
                self.timers = dict(self._run_timers)
            if self._got_new_session:
                self._age_cache(fragments)
        run = self._waiting
        if run is None or run_id in run.known or status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return  # an older run, or ours ended only to be run again (st.rerun): the next finish is ours
        run.run_id, run.status, run.fragment_ids = run_id, _DONE.get(status, str(status)), fragments
        run.finished = time.monotonic()
        self._waiting = None
        run.done.set()

    def _clear_stale(self, run_id: str, fragments: tuple[str, ...]) -> None:
        """Drop what this run did not draw again, as the frontend's ``clearStaleNodes`` does: after a full run every
        node of an older run; after a fragment run only inside the blocks of the fragments that ran (and what lies
        under a node that is gone, or under an element)."""
        children: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
        for path in self.nodes:
            children.setdefault(path[:-1], []).append(path)
        keep: set[tuple[int, ...]] = set()

        def visit(path: tuple[int, ...], inside: bool) -> None:
            node = self.nodes[path]
            is_block = node.kind.startswith("block:")
            current = node.run_id == run_id
            if not fragments:
                alive = current
            elif is_block:
                alive = current or not inside
            else:
                alive = current or not inside or not node.fragment_id
            if not alive:
                return
            keep.add(path)
            if is_block:
                inner = inside or (bool(fragments) and node.fragment_id in fragments and current)
                for child in children.get(path, ()):
                    visit(child, inner)

        for root in [p for p in children if len(p) == 1]:
            for child in children[root]:
                visit(child, False)
        self.nodes = {p: n for p, n in self.nodes.items() if p in keep}
        alive = {n.id for n in self.nodes.values() if n.id}
        self.states = {k: v for k, v in self.states.items() if k in alive}

    def _age_cache(self, fragments: tuple[str, ...]) -> None:
        self._runs_seen += 1
        for key, entry in list(self._cache.items()):
            if fragments and (not entry.fragment_id or entry.fragment_id not in fragments):
                continue
            if self._runs_seen - entry.age_mark > self._max_age:
                del self._cache[key]


def _unpack(state: WidgetState):
    which = state.WhichOneof("value")
    value = getattr(state, which)
    if which.endswith("array_value"):
        return list(value.data)
    return value


def _initial_state(node: Node) -> WidgetState | None:
    """The state a widget registers when the frontend draws it (its default, or the value the script set)."""
    p, kind, state = node.proto, node.kind, WidgetState(id=node.id)
    if kind == "number_input":
        if not (p.set_value and p.HasField("value")) and not p.HasField("default"):
            return None
        v = p.value if p.set_value and p.HasField("value") else p.default
        if p.data_type == p.INT:
            state.int_value = int(v)
        else:
            state.double_value = v
    elif kind == "slider":
        if p.type == p.SELECT_SLIDER:
            chosen = list(p.raw_value) if p.set_value and p.raw_value else \
                [p.options[int(i)] for i in (p.value if p.set_value else p.default)]
            state.string_array_value.data.extend(chosen)
        else:
            state.double_array_value.data.extend(p.value if p.set_value else p.default)
    elif kind in ("selectbox", "radio"):
        if p.set_value and p.HasField("raw_value"):
            state.string_value = p.raw_value
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            state.string_value = p.options[p.default]
        else:
            return None
    elif kind == "checkbox":
        state.bool_value = p.value if p.set_value else p.default
    elif kind in ("text_input", "text_area"):
        if p.set_value and p.HasField("value"):
            state.string_value = p.value
        elif p.HasField("default"):
            state.string_value = p.default
        else:
            return None
    elif kind == "button_group":
        chosen = list(p.raw_values) if p.set_value else [p.options[i].content for i in p.default]
        state.string_array_value.data.extend(chosen)
    elif kind == "multiselect":
        chosen = list(p.raw_values) if p.set_value else [p.options[i] for i in p.default]
        state.string_array_value.data.extend(chosen)
    elif kind == "block:expandable":
        state.bool_value = p.expanded
    elif kind == "block:popover":
        state.bool_value = p.open
    else:  # buttons (a trigger, sent once), charts, uploads: nothing until the learner acts
        return None
    return state


def _state_for(node: Node, value) -> WidgetState:
    """The state a learner's change of ``node`` to ``value`` sends (``value`` as the widget shows it: the option's
    label for a select box, a radio or a select slider)."""
    p, kind, state = node.proto, node.kind, WidgetState(id=node.id)
    if kind == "number_input":
        if p.data_type == p.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif kind == "slider":
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if p.type == p.SELECT_SLIDER:
            missing = [v for v in values if str(v) not in p.options]
            if missing:
                raise WidgetNotFound(f"select slider {p.label!r} has no option {missing[0]!r} (options {list(p.options)})")
            state.string_array_value.data.extend(str(v) for v in values)
        else:
            state.double_array_value.data.extend(float(v) for v in values)
    elif kind in ("selectbox", "radio"):
        if str(value) not in p.options:
            raise WidgetNotFound(f"{kind} {p.label!r} has no option {value!r} (options {list(p.options)})")
        state.string_value = str(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif kind in ("button_group", "multiselect"):
        state.string_array_value.data.extend(value if isinstance(value, (list, tuple)) else [value])
    else:
        raise WidgetNotFound(f"cannot set a {kind} ({p.label!r})")
    return state
