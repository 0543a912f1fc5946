"""Line charts as PNG with Pillow: stacked panels over one time axis.

Pillow is already a pinned dependency (seal pictures); matplotlib would add a large package
tree to the install for a couple of plots, so the few charts the benchmarks need are drawn here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, PANEL_HEIGHT, MARGIN = 960, 300, (80, 50, 30, 40)  # left, top, right, bottom (px)
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#7f7f7f")


@dataclass(frozen=True)
class Series:
    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    color: str = COLORS[0]
    width: int = 2


@dataclass(frozen=True)
class Panel:
    y_label: str
    series: Sequence[Series]
    shade: tuple[float, float] | None = None  # an x range drawn grey (e.g. a warm-up)
    shade_label: str = ""
    y_floor: float | None = 0.0  # the y axis starts here (None: near the data's minimum)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10^k apart) covering lo..hi."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    step = min((m * 10 ** math.floor(math.log10(raw)) for m in (1, 2, 5, 10)), key=lambda s: abs(s - raw))
    first = math.floor(lo / step) * step
    return [first + i * step for i in range(math.ceil((hi - first) / step - 0.02) + 1)]  # 2% may overhang


def _label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"


def line_chart(panels: Sequence[Panel], *, title: str, x_label: str, path: Path, subtitle: str = "") -> None:
    """Write `panels` stacked, sharing the x axis, to the PNG `path`."""
    left, top, right, bottom = MARGIN
    top += 20 if subtitle else 0
    height = top + len(panels) * PANEL_HEIGHT + bottom
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=15), ImageFont.load_default(size=12)
    draw.text((left, 15), title, fill="black", font=font)
    draw.text((left, 38), subtitle, fill="black", font=small)
    xs_all = [x for p in panels for s in p.series for x in s.xs]
    x_ticks = nice_ticks(min(xs_all), max(xs_all))
    x0, x1 = x_ticks[0], x_ticks[-1]
    plot_w = WIDTH - left - right
    for i, panel in enumerate(panels):
        y_top = top + i * PANEL_HEIGHT + 24
        plot_h = PANEL_HEIGHT - 64
        ys_all = [y for s in panel.series for y in s.ys]
        lo, hi = min(ys_all), max(ys_all)
        pad = max(hi - lo, abs(hi) * 0.02, 1e-9) * 0.1
        lo = lo - pad if panel.y_floor is None else min(panel.y_floor, lo)
        y_ticks = nice_ticks(lo, hi + pad)
        y0, y1 = y_ticks[0], y_ticks[-1]

        def px(x: float, y: float, y_top=y_top, plot_h=plot_h, y0=y0, y1=y1) -> tuple[float, float]:
            return left + (x - x0) / (x1 - x0) * plot_w, y_top + plot_h - (y - y0) / (y1 - y0) * plot_h

        if panel.shade:
            (a, _), (b, _) = px(panel.shade[0], y0), px(panel.shade[1], y0)
            draw.rectangle([a, y_top, b, y_top + plot_h], fill="#eeeeee")
            draw.text((a + 4, y_top + 4), panel.shade_label, fill="#666666", font=small)
        for t in y_ticks:
            _, y = px(x0, t)
            draw.line([left, y, left + plot_w, y], fill="#dddddd")
            draw.text((left - 8, y), _label(t), fill="black", font=small, anchor="rm")
        for t in x_ticks:
            x, _ = px(t, y0)
            draw.line([x, y_top, x, y_top + plot_h], fill="#eeeeee")
            draw.text((x, y_top + plot_h + 6), _label(t), fill="black", font=small, anchor="mt")
        draw.rectangle([left, y_top, left + plot_w, y_top + plot_h], outline="black")
        draw.text((left, y_top - 6), panel.y_label, fill="black", font=font, anchor="lb")
        legend_x = left + plot_w
        for s in reversed(panel.series):  # labels right-aligned in the panel's heading row
            points = [px(x, y) for x, y in zip(s.xs, s.ys, strict=True)]
            if len(points) > 1:
                draw.line(points, fill=s.color, width=s.width)
            draw.text((legend_x, y_top - 6), s.label, fill=s.color, font=small, anchor="rb")
            legend_x -= draw.textlength(s.label, font=small) + 20
    draw.text((left + plot_w / 2, height - 20), x_label, fill="black", font=font, anchor="mm")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
