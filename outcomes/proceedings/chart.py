"""The participants chart of the proceedings, as PNG bytes."""

from __future__ import annotations

import io

from .. import vocab
from ..common.text import text
from .look import CHART_FONTS

CHART_DPI = 300


def participants_chart(rows: list[tuple[str, int, int | None]], lang: str, registered: bool = False) -> bytes:
    """A horizontal bar chart of participants by actor type, as PNG bytes.

    In the document's sans family (Liberation Sans, Arial's metric twin, or
    Arial; matplotlib's own DejaVu Sans where neither is installed) and
    without a timestamp or software tag: the same data and fonts give the
    same bytes. 300 dots per inch on a 6.3 inch figure, placed 14 cm wide
    (``document.Proceedings.chart``): 343 at its printed size, where
    printing asks for at least 300; opaque RGB, no transparency to flatten.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    labels = [vocab.actor_types().label(actor, lang) for actor, _, _ in rows][::-1]
    attendance = [count for _, count, _ in rows][::-1]
    style = {"font.family": "sans-serif", "font.sans-serif": CHART_FONTS, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(6.3, 0.22 * max(len(rows), 1) + 0.9), dpi=CHART_DPI)
        axes = figure.add_subplot()
        positions = range(len(rows))
        if registered:
            signed = [signed or 0 for _, _, signed in rows][::-1]
            axes.barh([y + 0.2 for y in positions], attendance, height=0.4, color="#1F4E79", label=text("proceedings.attendance", lang))
            axes.barh([y - 0.2 for y in positions], signed, height=0.4, color="#9DC3E6", label=text("proceedings.registered", lang))
            axes.legend(frameon=False, loc="lower right")
        else:
            axes.barh(list(positions), attendance, height=0.6, color="#1F4E79")
        axes.set_yticks(list(positions), labels)
        axes.set_xlabel(text("proceedings.attendance", lang))
        axes.xaxis.grid(True, color="#DDDDDD")
        axes.set_axisbelow(True)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    return opaque(buffer.getvalue())


def opaque(png: bytes) -> bytes:
    """The PNG without its alpha channel (on white): PDF/A and printers take it as it is."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
