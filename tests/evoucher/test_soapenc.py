"""SOAP encoding as Axis writes it: references are refused exactly when unsafe; values round-trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from evoucher import soapenc
from evoucher.errors import CodecError
from evoucher.interface import SOAP_ENV

BODY = f"{{{SOAP_ENV}}}Body"
graphs = st.integers(1, 12).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.lists(st.integers(0, n), max_size=3), min_size=n, max_size=n))
)


def _body(n: int, edges: list[list[int]]) -> etree._Element:
    """An operation referring to id0, and multiRefs id0..id(n-1) referring to each other (idn dangles)."""
    body = etree.Element(BODY, nsmap={"soapenc": soapenc.SOAPENC})
    etree.SubElement(etree.SubElement(body, "op"), "arg0", href="#id0")
    for i, targets in enumerate(edges):
        ref = etree.SubElement(body, "multiRef", {"id": f"id{i}", soapenc.ROOT: "0"})
        for j in targets:
            etree.SubElement(ref, "item", href=f"#id{j}")
    return body


def _safe(n: int, edges: list[list[int]]) -> bool:
    """The rule, computed independently: no dangling target, no cycle, no chain deeper than the bound."""
    if any(j == n for targets in edges for j in targets):
        return False
    depth: dict[int, int] = {}

    def chain(v: int, seen: frozenset[int]) -> int:
        if v in seen:
            raise RecursionError
        if v not in depth:
            depth[v] = 1 + max((chain(c, seen | {v}) for c in edges[v]), default=0)
        return depth[v]

    try:
        longest = max(chain(v, frozenset()) for v in {0, *(j for targets in edges for j in targets)})
    except RecursionError:
        return False
    return longest <= soapenc.MAX_REF_DEPTH


@given(graphs)
def test_references_are_refused_exactly_when_dangling_cyclic_or_too_deep(graph):
    n, edges = graph
    body = _body(n, edges)
    if _safe(n, edges):
        refs = soapenc.References(body)
        assert refs.deref(body[0][0]) is body[1]
    else:
        with pytest.raises(CodecError):
            soapenc.References(body)


values = st.recursive(
    st.none() | st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])) | st.binary()
    | st.integers(-(2**31), 2**31 - 1),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@given(st.dictionaries(st.text("abcdefgh", min_size=1, max_size=4), values, max_size=5))
def test_what_the_writer_encodes_the_reader_decodes(mapping):
    body = etree.Element(BODY, nsmap=soapenc.NSMAP)
    wrapper = etree.SubElement(body, "opResponse")
    soapenc.EncodedWriter(body).map(wrapper, "opReturn", mapping.items())
    parsed = etree.fromstring(etree.tostring(body))
    refs = soapenc.References(parsed)
    the_map = refs.deref(parsed[0][0])
    decoded = {refs.deref(item[0]).text: soapenc.decode_any(item[1], refs) for item in the_map}
    assert decoded == mapping
