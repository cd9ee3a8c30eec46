"""The sessions of bench.concurrency spoken over Streamlit's own websocket protocol.

Each session is one websocket to /_stcore/stream, exactly what a browser tab opens:
it sends BackMsg.rerun_script with the widget values a person would have set (the
15 radios, a comment, the form's submit trigger; the file uploader's state after
uploading the file over HTTP) and reads the ForwardMsgs of the script run that
follows until Streamlit reports it finished. What the page would show is read
from the run's elements: success and error alerts, exception boxes, the heading.

Only the widgets a person touched are sent; Streamlit keeps every other widget at
the value it held in the session's previous run, as it does for a browser, whose
form submit sends back the values the server last gave it. Much lighter than a
browser on two cores, so the server, not the client, sets the pace.
"""

from __future__ import annotations

import asyncio
import http.cookies
import random
import re
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.concurrency import Attempt, run_sessions
from cx.framework import CELLS, LEVELS

RUN_TIMEOUT = 240  # seconds a script run may take on a loaded machine before it counts as no answer
IMPORT_TIMEOUT = 900
SUCCESS, ERROR = 4, 1  # Alert.Format


@dataclass
class Shown:
    """What one script run put on the page (the last run, when it ended in st.rerun)."""

    elements: dict[tuple, tuple[str, object]] = field(default_factory=dict)  # delta path -> (type, proto)
    tab_ids: dict[str, str] = field(default_factory=dict)  # key of an st.tabs(on_change=...) -> widget id
    status: int | None = None
    page_not_found: bool = False

    def widgets(self) -> dict[str, object]:
        """Widgets by their key (the part of the element id after "$$ID-<hash>-")."""
        found = {}
        for _, element in self.elements.values():
            element_id = getattr(element, "id", "")
            if isinstance(element_id, str) and element_id.startswith("$$ID-"):
                found[element_id.split("-", 2)[2]] = element
        return found

    def texts(self, kind: str, alert_format: int | None = None) -> list[str]:
        out = []
        for element_type, element in self.elements.values():
            if element_type == kind and (alert_format is None or element.format == alert_format):
                out.append(element.body if kind == "alert" else f"{element.type}: {element.message}")
        return out

    def has_heading(self) -> bool:
        return any(t == "heading" and path[0] == 0 for path, (t, _) in self.elements.items())


class WsSession:
    def __init__(self, url: str, spec: dict, round_id: int, log: Callable[[str], None]) -> None:
        self.url, self.spec, self.round_id, self.log = url, spec, round_id, log
        self.number, self.person_id, self.role = spec["session"], spec["person_id"], spec["role"]
        self.count = 0
        self.ws = None
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.session_id = ""
        self.last = Shown()
        # The tab chosen on this page: a browser sends it with every rerun, so this does too.
        self.chosen_tab: WidgetState | None = None

    # ----------------------------------------------------------------- protocol

    async def open(self) -> None:
        await self.load({"rating": "heat_map", "roadmap": "roadmap", "import": "upload"}[self.role])

    async def load(self, path: str) -> None:
        """A new websocket (a new Streamlit session) on `path`, then say who we are."""
        await self.close()
        self.ws = await websockets.connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, ping_interval=None, open_timeout=RUN_TIMEOUT)
        self.page_hash = ""
        self.chosen_tab = None
        await self.run([], page=path)
        people = self.last.widgets()["person_widget"]
        name = next(o for o in people.options if o.startswith(self.spec["name"] + " "))
        await self.run([WidgetState(id=people.id, string_value=name)])
        if self.role == "rating":
            await self.open_tab("heatmap_tab", "Your ratings")
        if self.role == "roadmap":
            await self.open_tab("roadmap_tab", "Actions")
            choice = self.last.widgets()["roadmap-edit-choice"]
            wanted = next(o for o in choice.options if o.startswith(f"#{self.spec['action_id']} "))
            await self.run([WidgetState(id=choice.id, string_value=wanted)])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def run(self, states: list[WidgetState], page: str | None = None,
                  timeout: float = RUN_TIMEOUT) -> Shown:
        """Ask for a script run with these widget values; return what the last run showed."""
        message = BackMsg()
        client = message.rerun_script
        client.query_string = ""
        if page is not None and page in self.pages:
            client.page_script_hash = self.pages[page]
        elif page is not None:
            client.page_name = page
        else:
            client.page_script_hash = self.page_hash
        client.context_info.timezone = "Europe/London"
        client.context_info.locale = "en-GB"
        if self.chosen_tab is not None and page is None:
            states = [self.chosen_tab, *states]
        client.widget_states.widgets.extend(states)
        await self.ws.send(message.SerializeToString())
        self.last = await asyncio.wait_for(self._collect(), timeout)
        return self.last

    async def _collect(self) -> Shown:
        shown, started = Shown(), False
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.ws.recv())
            kind = message.WhichOneof("type")
            if kind == "new_session":
                shown, started = Shown(), True  # every script run (also after st.rerun) starts afresh
                if message.new_session.initialize.session_id:
                    self.session_id = message.new_session.initialize.session_id
            elif kind == "navigation":
                self.page_hash = message.navigation.page_script_hash
                self.pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                element_type = element.WhichOneof("type")
                path = tuple(message.metadata.delta_path)
                shown.elements[path] = (element_type, getattr(element, element_type))
            elif kind == "delta" and message.delta.WhichOneof("type") == "add_block":
                tabs = message.delta.add_block.tab_container
                if tabs.id.startswith("$$ID-"):
                    shown.tab_ids[tabs.id.split("-", 2)[2]] = tabs.id
            elif kind == "page_not_found":
                shown.page_not_found = True
            elif kind == "script_finished" and started:
                status = message.script_finished
                if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    shown.status = status
                    return shown

    async def press(self, attempt: Attempt, states: list[WidgetState], expected: str,
                    timeout: float = RUN_TIMEOUT) -> None:
        """Send a form's values with its submit trigger and judge what the page then shows."""
        begun = time.monotonic()
        try:
            shown = await self.run(states, timeout=timeout)
        except Exception as error:  # a timeout or a closed socket: the person got no answer
            attempt.outcome, attempt.message = "no_outcome", f"{type(error).__name__}: {str(error)[:200]}"
            attempt.seconds = time.monotonic() - begun
            return
        attempt.seconds = time.monotonic() - begun
        # Notices reach the page as literal Markdown ("Action \#1 saved"): match the text as read.
        hits = [text for text in shown.texts("alert", SUCCESS)
                if re.search(expected, re.sub(r"\\(.)", r"\1", text))]
        errors = shown.texts("alert", ERROR)
        if shown.texts("exception"):
            attempt.outcome, attempt.message = "exception", shown.texts("exception")[0][:300]
        elif hits:
            attempt.outcome, attempt.message = "success", hits[0][:300]
        elif errors:
            attempt.outcome, attempt.message = "error", errors[0][:300]
        elif not shown.has_heading() or shown.page_not_found:
            attempt.outcome, attempt.message = "blank", "the page showed nothing"
        else:
            attempt.outcome, attempt.message = "no_outcome", "neither a success notice nor an error"

    def new_attempt(self, kind: str, token: str, clock: float, **extra) -> Attempt:
        self.count += 1
        return Attempt(self.number, kind, self.person_id, token, round(time.monotonic() - clock, 2), **extra)

    def _submitter(self, form: str, label: str) -> str:
        return next(w.id for key, w in self.last.widgets().items()
                    if key.startswith(f"FormSubmitter:{form}") and key.endswith(label))

    # --------------------------------------------------------------------- jobs

    async def rate(self, clock: float) -> Attempt:
        token = f"bench s{self.number:02d} rating {self.count + 1:04d}"
        attempt = self.new_attempt("rating", token, clock)
        widgets = self.last.widgets()
        prefix = f"rate-{self.round_id}-{self.person_id}"
        states = [WidgetState(id=widgets[f"{prefix}-{b}-{s}-level"].id,
                              string_value=random.choice(LEVELS).tag) for b, s in CELLS]
        block, stage = CELLS[0]
        states.append(WidgetState(id=widgets[f"{prefix}-{block}-{stage}-comment"].id, string_value=token))
        form = f"rating-form-{self.round_id}-{self.person_id}"
        states.append(WidgetState(id=self._submitter(form, "Submit ratings"), trigger_value=True))
        await self.press(attempt, states, "Your ratings are submitted")
        return attempt

    async def edit(self, clock: float) -> Attempt:
        action_id, name = self.spec["action_id"], self.spec["field"]
        token = f"Bench s{self.number:02d} {name} {self.count + 1:04d}"
        attempt = self.new_attempt("roadmap", token, clock, action_id=action_id, field=name)
        widget = self.last.widgets()[f"edit-{action_id}-{name}"]
        states = [WidgetState(id=widget.id, string_value=token),
                  WidgetState(id=self._submitter(f"edit-{action_id}", "Save changes"), trigger_value=True)]
        await self.press(attempt, states, rf"Action #{action_id} saved")
        return attempt

    async def upload(self, clock: float, export: Path) -> Attempt:
        """Upload the export as the browser does (file URL request, HTTP PUT), then press Import."""
        attempt = self.new_attempt("import", export.name, clock)
        begun = time.monotonic()
        try:
            info = await self._put_file(export)
            uploader = self.last.widgets()["upload-file"]
            state = WidgetState(id=uploader.id)
            state.file_uploader_state_value.uploaded_file_info.append(info)
            shown = await self.run([state], timeout=IMPORT_TIMEOUT)
            if not any("rows are ready to import" in str(getattr(e, "body", ""))
                       for _, e in shown.elements.values()):
                raise RuntimeError("the mapping did not appear: " + "; ".join(shown.texts("alert"))[:200])
        except Exception as error:
            attempt.outcome, attempt.message = "no_outcome", f"reading the file: {str(error)[:200]}"
            attempt.seconds = time.monotonic() - begun
            return attempt
        read = time.monotonic() - begun
        button = self.last.widgets()["upload-import-button"]
        await self.press(attempt, [WidgetState(id=button.id, trigger_value=True)], r"Upload \d+ imported",
                         IMPORT_TIMEOUT)
        attempt.seconds += read
        found = re.search(r"([\d,]+) new rows", attempt.message)
        attempt.rows = int(found.group(1).replace(",", "")) if found else 0
        self.log(f"  session {self.number}: import {attempt.outcome} after {attempt.seconds:.1f} s "
                 f"({read:.1f} s uploading and reading): {attempt.message}")
        return attempt

    async def _put_file(self, export: Path) -> UploadedFileInfo:
        request = BackMsg()
        request.file_urls_request.request_id = uuid.uuid4().hex
        request.file_urls_request.session_id = self.session_id
        request.file_urls_request.file_names.append(export.name)
        await self.ws.send(request.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT))
            if message.WhichOneof("type") == "file_urls_response":
                break
        if message.file_urls_response.error_msg:
            raise RuntimeError(message.file_urls_response.error_msg)
        urls: FileURLs = message.file_urls_response.file_urls[0]
        await asyncio.to_thread(_http_put, self.url, urls.upload_url, export)
        return UploadedFileInfo(name=export.name, size=export.stat().st_size, file_id=urls.file_id,
                                file_urls=urls)

    async def to_heat_map(self) -> None:
        """Move to the Heat map page in the same session (a sidebar link), keeping who we are."""
        self.role = "rating"
        self.chosen_tab = None
        await self.run([], page="heat_map")
        await self.open_tab("heatmap_tab", "Your ratings")

    async def open_tab(self, key: str, label: str) -> None:
        """Choose a tab, as a person does before using its form: the page draws a tab's form
        from the first time it is opened in the session (cx_ui.opened_before)."""
        self.chosen_tab = WidgetState(id=self.last.tab_ids[key], string_value=label)
        await self.run([])

    async def recover(self) -> bool:
        try:
            await self.load("heat_map" if self.role == "rating" else "roadmap")
            return True
        except Exception as error:
            self.log(f"  session {self.number}: could not reconnect ({str(error)[:200]})")
            return False


def _http_put(base: str, upload_url: str, path: Path) -> None:
    """PUT a file as multipart form data, with the XSRF cookie and header the browser would send."""
    with urllib.request.urlopen(base + "/_stcore/health", timeout=RUN_TIMEOUT) as response:
        jar = http.cookies.SimpleCookie(response.headers.get("Set-Cookie", ""))
    token = jar["_streamlit_xsrf"].value if "_streamlit_xsrf" in jar else ""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"UploadedFile\"; "
            f"filename=\"{path.name}\"\r\nContent-Type: text/csv\r\n\r\n").encode() \
        + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    url = upload_url if upload_url.startswith("http") else base + upload_url
    request = urllib.request.Request(url, data=body, method="PUT", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}"})
    with urllib.request.urlopen(request, timeout=IMPORT_TIMEOUT) as response:
        if response.status >= 300:
            raise RuntimeError(f"upload refused: HTTP {response.status}")


async def _drive(url: str, plan: dict, export: Path, seconds: float, sample, log):
    sessions = [WsSession(url, spec, plan["round_id"], log) for spec in plan["sessions"]]
    try:
        result = await run_sessions(sessions, export, seconds, sample, log)
    finally:
        for session in sessions:
            await session.close()
    await asyncio.sleep(5)
    sample("after_close")
    return result


def drive(url: str, plan: dict, export: Path, seconds: float, sample, log):
    """Open every session as a websocket and run them together (see bench.concurrency.run_sessions)."""
    return asyncio.run(_drive(url, plan, export, seconds, sample, log))
