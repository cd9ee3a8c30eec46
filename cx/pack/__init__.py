"""The board pack for a review meeting, as PowerPoint and as PDF.

`model` gathers the content (the same figures the pages show); `slides` writes it
as a PPTX with native charts, `document` as a PDF with vector charts. Neither needs
a browser or the network.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cx.pack.model import Pack, build_pack
from cx.store import Store

FORMATS = {".pptx": "PowerPoint", ".pdf": "PDF"}


def render(pack: Pack, suffix: str) -> bytes:
    """The pack as the bytes of a '.pptx' or '.pdf' file. Raises ValueError for another suffix."""
    if suffix == ".pptx":
        from cx.pack.slides import pptx_bytes
        return pptx_bytes(pack)
    if suffix == ".pdf":
        from cx.pack.document import pdf_bytes
        return pdf_bytes(pack)
    raise ValueError(f"Board pack: the file must end in .pptx or .pdf, not {suffix or 'nothing'}.")


def write_pack(store: Store, out: Path, *, today: date, min_n: int, meeting_id: int | None = None) -> Pack:
    """Build the pack and write it to `out` (its suffix picks the format); return the pack.

    Raises ValueError for an unknown suffix or meeting.
    """
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"Board pack: the file must end in .pptx or .pdf, not {suffix or 'nothing'}.")
    pack = build_pack(store, today, min_n, meeting_id)
    out.write_bytes(render(pack, suffix))
    return pack


__all__ = ["FORMATS", "Pack", "build_pack", "render", "write_pack"]
