"""Seal pictures (SES_ESPictrueInfo data): red PNG seals drawn with Pillow.

A unit seal is the familiar round red seal: a ring, the organisation's name along the upper
arc, a five-pointed star in the middle and the seal's purpose (e.g. 转讫章) under it. A
personal seal is a red square with the person's name. Chinese text needs a CJK font; we use
the first one fontconfig knows (`fc-list :lang=zh`, installed by `make system-deps`), and
without one the seal is still drawn, with ring and star but no text.
"""

from __future__ import annotations

import functools
import io
import math
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (220, 20, 30, 255)
# physical size written into SES_ESPictrueInfo (mm): 42 mm is the usual official seal
ROUND_SEAL_MM = 42
PERSONAL_SEAL_MM = 20
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
_CJK_FONT_NAMES = (
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSerifCJK-Regular.ttc",
)


@functools.cache
def cjk_font_path() -> str | None:
    """Path of an installed font that can draw Chinese, or None."""
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout
        paths = sorted(line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip())
        if paths:
            return paths[0]
    for root in _FONT_DIRS:
        for name in _CJK_FONT_NAMES:
            found = sorted(Path(root).rglob(name)) if Path(root).is_dir() else []
            if found:
                return str(found[0])
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    path = cjk_font_path()
    return ImageFont.truetype(path, size) if path else None


def _png(image: Image.Image) -> bytes:
    # a 16-colour palette keeps the picture a few KB: every stamp carries its seal, picture included
    out = io.BytesIO()
    image.quantize(colors=16, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    inner = radius * 0.382  # the regular pentagram's inner/outer radius ratio
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


def _glyph(char: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    left, top, right, bottom = font.getbbox(char)
    side = max(right - left, bottom - top, 1)
    glyph = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(glyph).text(
        ((side - (right - left)) / 2 - left, (side - (bottom - top)) / 2 - top), char, font=font, fill=RED
    )
    return glyph


def round_seal(org_name: str, purpose: str = "", *, size: int = 300) -> bytes:
    """PNG of a round unit seal: ring, `org_name` along the upper arc, star, `purpose` below it."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    ring = max(2, size // 28)
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=RED, width=ring)
    _star(draw, c, c, size * 0.17)
    # spread the name over at most 250 degrees of the upper arc, centred on the top; long names
    # get smaller characters so that neighbours do not touch
    span = min(250.0, 24.0 * len(org_name))
    step = span / max(len(org_name) - 1, 1)
    radius = c - ring - size * 0.09
    name_font = _font(int(min(size * 0.12, 0.9 * radius * math.radians(step))))
    if name_font is not None and org_name:
        for i, char in enumerate(org_name):
            theta = -span / 2 + i * step if len(org_name) > 1 else 0.0
            glyph = _glyph(char, name_font).rotate(-theta, resample=Image.BICUBIC, expand=True)
            x = c + radius * math.sin(math.radians(theta))
            y = c - radius * math.cos(math.radians(theta))
            image.alpha_composite(glyph, (round(x - glyph.width / 2), round(y - glyph.height / 2)))
    purpose_font = _font(int(size * 0.09))
    if purpose_font is not None and purpose:
        draw.text((c, c + size * 0.27), purpose, font=purpose_font, fill=RED, anchor="mm")
    return _png(image)


def personal_seal(name: str, *, size: int = 150) -> bytes:
    """PNG of a square personal seal (私章) with `name`, two characters a column, right to left."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    border = max(2, size // 16)
    draw.rectangle((border / 2, border / 2, size - border / 2, size - border / 2), outline=RED, width=border)
    # the usual layouts: 张三之印, 欧阳修印; a four-character name fills the square itself
    text = name + ("之印" if len(name) == 2 else "印" if len(name) % 2 else "")
    font = _font(int((size - 4 * border) / 2.2))
    if font is None:
        _star(draw, size / 2, size / 2, size * 0.3)
        return _png(image)
    columns = [text[i : i + 2] for i in range(0, len(text), 2)]
    width = (size - 4 * border) / len(columns)
    for col, pair in enumerate(columns):
        x = size - 2 * border - width * (col + 0.5)
        for row, char in enumerate(pair):
            y = 2 * border + (size - 4 * border) * (row + 0.5) / 2
            draw.text((x, y), char, font=font, fill=RED, anchor="mm")
    return _png(image)
