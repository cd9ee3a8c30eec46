"""Where the Upload page keeps a file between reruns, and when the server lets go of it.

Session state holds only the staged upload's facts and last check (a few kilobytes,
`cx.importers.staging`); the rows wait in a folder of the session's own. The folder
and Streamlit's in-memory copy of the uploaded file are let go:

- when the person opens another page (Streamlit has forgotten the uploader's value
  by then, but not the file it received), and
- when the browser tab disconnects. Streamlit keeps a closed session for a possible
  reconnection and never removes its uploaded files when that time runs out, so every
  closed session that had uploaded a file kept it in the server for good; the
  uploader's value in the kept session state holds the file's bytes too.

After a reconnection the person adds the file again.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cx.importers.reading import FileRefused
from cx.importers.staging import StagedUpload, clear_folder, stage_upload, staging_root
from cx_ui import state

UPLOADER_KEY = "upload-file"


@dataclass(frozen=True)
class _SessionFolder:
    """A session's upload folder, and what is needed to let go of its upload without running the page."""

    path: Path
    session_id: str | None = None
    uploaded_files: Any = None  # Streamlit's UploadedFileManager (None outside a running app)
    session_state: Any = None  # the session's own st.session_state


def _release(kept: _SessionFolder) -> None:
    """Called by Streamlit when the session disconnects (from a server thread, not the script's)."""
    shutil.rmtree(kept.path, ignore_errors=True)
    if kept.uploaded_files is not None:
        kept.uploaded_files.remove_session_files(kept.session_id)
    if kept.session_state is not None:
        with contextlib.suppress(KeyError):
            del kept.session_state[UPLOADER_KEY]


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _session_folder() -> _SessionFolder:
    path = Path(tempfile.mkdtemp(prefix="session-", dir=staging_root()))
    ctx = get_script_run_ctx()
    if ctx is None:
        return _SessionFolder(path)
    return _SessionFolder(path, ctx.session_id, ctx.uploaded_file_mgr, ctx.session_state)


def staged(upload) -> StagedUpload:
    """The staged form of the uploader's file, read once per file and reused by later reruns.

    Raises FileRefused (a ValueError) with the reason when the file cannot be read;
    the refusal, too, is kept for the file, so a rerun does not read it again.
    """
    upload_id = getattr(upload, "file_id", None) or hashlib.sha256(upload.getvalue()).hexdigest()
    kept = state.UPLOAD_STAGED.get()
    if kept is not None and kept[0] == upload_id:
        if isinstance(kept[1], str):
            raise FileRefused(kept[1])
        if kept[1].exists():
            return kept[1]
    drop()
    try:
        with st.spinner("Reading the file…"):
            found = stage_upload(upload.getvalue(), upload.name, _session_folder().path)
    except FileRefused as error:
        state.UPLOAD_STAGED.set((upload_id, str(error)))
        raise
    state.UPLOAD_STAGED.set((upload_id, found))
    return found


def drop() -> None:
    """Forget the staged upload and remove its files (the uploader no longer holds a file)."""
    kept = state.UPLOAD_STAGED.pop()
    if kept is not None and isinstance(kept[1], StagedUpload):
        clear_folder(kept[1].folder)


def forget() -> None:
    """Let go of this session's upload: the staged rows and Streamlit's copy of the file.

    The router calls it on every page but the Upload page.
    """
    drop()
    ctx = get_script_run_ctx()
    if ctx is not None:
        ctx.uploaded_file_mgr.remove_session_files(ctx.session_id)
