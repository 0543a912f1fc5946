"""decode_base64 against an independent judge: the stdlib's validating decoder and re-encoding."""

import base64
import binascii

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evoucher.codec.safe import decode_base64
from evoucher.errors import CodecError, HostileInputError

WHITESPACE = " \t\r\n"


def judge(text: str) -> bytes | None:
    """The bytes canonical base64 `text` stands for, None if it is not canonical base64."""
    compact = "".join(c for c in text if c not in WHITESPACE)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if compact and base64.b64encode(data).decode("ascii") == compact else None


def spaced(draw_text: str, cuts: list[int]) -> str:
    for cut in sorted(cuts, reverse=True):
        draw_text = draw_text[:cut] + "\r\n " + draw_text[cut:]
    return draw_text


@given(st.binary(max_size=300), st.lists(st.integers(0, 400), max_size=5))
def test_every_canonical_encoding_decodes_wherever_whitespace_falls(data, cuts):
    text = spaced(base64.b64encode(data).decode("ascii"), cuts)
    if data:
        assert decode_base64(text, "X") == data


@given(st.text(alphabet="AB+/=PQaz09 \n\t!é-_", max_size=24))
@example("PB==")  # pad bits set
@example("QQ=")  # short of padding
@example("PA==PA==")  # padding inside
@example("====")
@example("Q===")
@example("AAAA ")
@example(" ")
def test_accepts_exactly_what_the_stdlib_judge_accepts(text):
    expected = judge(text)
    if expected is None:
        with pytest.raises((HostileInputError, CodecError)):
            decode_base64(text, "X")
    else:
        assert decode_base64(text, "X") == expected
