"""Seal pictures: red, round or square, with the star, and text when a CJK font exists."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from evoucher.seal import picture


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGBA")


def _is_red(px: tuple[int, int, int, int]) -> bool:
    r, g, b, a = px
    return a > 128 and r > 150 and g < 90 and b < 90


def _red_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(_is_red(px) for px in image.crop(box).get_flattened_data())


def test_round_seal_has_a_red_ring_a_star_and_transparent_corners():
    image = _image(picture.round_seal("杭州市财政局", "转讫章", size=300))
    assert image.size == (300, 300)
    assert _is_red(image.getpixel((150, 150)))  # the star's centre
    assert _is_red(image.getpixel((150, 10)))  # the ring at the top
    assert image.getpixel((2, 2))[3] == 0  # outside the circle
    assert image.getpixel((150, 120))[3] == 0 or _is_red(image.getpixel((150, 120)))


@pytest.mark.skipif(picture.cjk_font_path() is None, reason="no CJK font installed (make system-deps)")
def test_names_and_purpose_are_drawn_when_a_cjk_font_exists(monkeypatch):
    upper_arc, below_star = (40, 20, 260, 90), (60, 215, 240, 260)
    with_text = _image(picture.round_seal("杭州市财政局", "转讫章", size=300))
    monkeypatch.setattr(picture, "cjk_font_path", lambda: None)
    without = _image(picture.round_seal("杭州市财政局", "转讫章", size=300))
    assert _red_pixels(with_text, upper_arc) > _red_pixels(without, upper_arc) + 500
    assert _red_pixels(with_text, below_star) > _red_pixels(without, below_star) + 300


def test_without_a_font_the_seal_is_still_drawn(monkeypatch):
    monkeypatch.setattr(picture, "cjk_font_path", lambda: None)
    image = _image(picture.round_seal("杭州市财政局", "转讫章", size=300))
    assert _is_red(image.getpixel((150, 150))) and _is_red(image.getpixel((150, 10)))
    square = _image(picture.personal_seal("王芳", size=150))
    assert _is_red(square.getpixel((75, 75))) and _is_red(square.getpixel((8, 75)))


def test_personal_seal_is_a_red_square_with_the_name():
    image = _image(picture.personal_seal("王芳", size=150))
    assert image.size == (150, 150)
    assert all(_is_red(image.getpixel(p)) for p in [(8, 8), (141, 8), (8, 141), (141, 141)])
    if picture.cjk_font_path() is not None:
        assert _red_pixels(image, (20, 20, 130, 130)) > 1000


def test_pictures_are_small_and_reproducible():
    png = picture.round_seal("中国工商银行股份有限公司浙江省分行", "业务专用章")
    assert png == picture.round_seal("中国工商银行股份有限公司浙江省分行", "业务专用章")
    assert len(png) < 16_000  # every stamp carries its seal, picture included
