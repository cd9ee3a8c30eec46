"""The board pack for a review meeting, as PowerPoint and as PDF.

`model` gathers the content (the same figures the pages show); `slides` writes it
as a PPTX with native charts, `document` as a PDF with vector charts. Neither needs
a browser or the network.
"""

from __future__ import annotations

from cx.pack.model import Pack, build_pack

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


__all__ = ["FORMATS", "Pack", "build_pack", "render"]
