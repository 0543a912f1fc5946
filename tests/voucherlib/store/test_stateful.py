"""A Hypothesis state machine drives the store with random operation sequences against a model.

The model keeps versions, stamps and deliveries in plain dicts and asks the lifecycle tables (the
specification) what each event should do; the store must agree on every outcome, on every status
code, and keep an intact audit chain with one entry per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from voucherlib.errors import LifecycleError, VoucherNotFound
from voucherlib.lifecycle import (
    DELIVERY_TABLE,
    DOC_TABLE,
    READABLE,
    DeliveryEvent,
    DeliveryState,
    DocEvent,
    Go,
    Noop,
    doc_state,
    status_code,
)
from voucherlib.store import VoucherKey

from .helpers import BANK, FINANCE, PBOC, POSITIONS, seal

NOS = ("S1", "S2")
PARTIES = (PBOC, BANK)
BODIES = (b"<Voucher a='1'/>", b"<Voucher a='2'/>")


@dataclass
class Doc:
    versions: list = field(default_factory=list)  # (body, frozenset of stamped positions) per version
    body_version: int = 0
    discarded: bool = False
    deliveries: dict = field(default_factory=dict)  # party -> [state, version]

    def state(self):
        current = [s for s, v in self.deliveries.values() if v >= self.body_version]
        return doc_state(exists=bool(self.versions), discarded=self.discarded, deliveries=current)


def key(no: str) -> VoucherKey:
    return VoucherKey("330100", 2024, "5207", no, 0)


class StoreVsModel(RuleBasedStateMachine):
    def __init__(self, make_store):
        super().__init__()
        self.store = make_store()
        self.docs = {no: Doc() for no in NOS}
        self.calls = 0

    def expect(self, rule, call):
        """Run `call`; the store must go, no-op or refuse exactly as the table `rule` says."""
        self.calls += 1
        try:
            result = call()
        except (LifecycleError, VoucherNotFound) as exc:
            assert rule is None or not isinstance(rule, Go | Noop), f"refused {exc}, model says {rule}"
            return None
        outcome = result[0] if isinstance(result, list) else result
        assert rule is not None, f"model refuses, store did {outcome}"
        assert outcome.noop == isinstance(rule, Noop), (rule, outcome)
        return outcome

    @rule(no=st.sampled_from(NOS), body=st.sampled_from(BODIES))
    def save(self, no, body):
        doc = self.docs[no]
        same = bool(doc.versions) and doc.versions[-1] == (body, frozenset())
        rule_ = DOC_TABLE[(DocEvent.SAVE_SAME if same else DocEvent.SAVE, doc.state())]
        out = self.expect(
            rule_, lambda: self.store.atomic(lambda o: o.save(FINANCE, key(no), body, positions=POSITIONS))
        )
        if out and not out.noop:
            doc.versions.append((body, frozenset()))
            doc.body_version, doc.discarded = len(doc.versions), False

    @rule(no=st.sampled_from(NOS), position=st.sampled_from(POSITIONS), cancel=st.booleans())
    def stamp_or_cancel(self, no, position, cancel):
        doc = self.docs[no]
        stamped = bool(doc.versions) and position in doc.versions[-1][1]
        if cancel:
            event = DocEvent.CANCEL_STAMP if stamped else DocEvent.CANCEL_UNSTAMPED
        else:
            event = DocEvent.STAMP_AGAIN if stamped else DocEvent.STAMP
        rule_ = DOC_TABLE[(event, doc.state())] if doc.versions else None
        if cancel:
            out = self.expect(
                rule_, lambda: self.store.atomic(lambda o: o.cancel_stamp(FINANCE, key(no).ref, position))
            )
        else:
            out = self.expect(
                rule_, lambda: self.store.atomic(lambda o: o.stamp(FINANCE, key(no), seal(position)))
            )
        if out and not out.noop:
            body, positions = doc.versions[-1]
            doc.versions.append((body, positions - {position} if cancel else positions | {position}))

    @rule(no=st.sampled_from(NOS), party=st.sampled_from(PARTIES), full=st.booleans())
    def send(self, no, party, full):
        doc = self.docs[no]
        complete = [n for n, (_, s) in enumerate(doc.versions, 1) if s == set(POSITIONS)]
        version = (
            (complete[-1] if complete else 0)
            if full
            else (len(doc.versions) if len(doc.versions) in complete else 0)
        )
        rule_ = None
        if doc.versions:
            rule_ = DOC_TABLE[(DocEvent.SEND if version else DocEvent.SEND_INCOMPLETE, doc.state())]
            if isinstance(rule_, Go | Noop):
                old = doc.deliveries.get(party)
                revised = old is not None and old[1] < version
                rule_ = DELIVERY_TABLE[
                    (DeliveryEvent.RESEND_REVISED if revised else DeliveryEvent.SEND, old and old[0])
                ]
        out = self.expect(
            rule_,
            lambda: self.store.atomic(lambda o: o.send(FINANCE, [key(no).ref], party.org, full_signs=full)),
        )
        if out and not out.noop:
            doc.deliveries[party] = [DeliveryState.NOT_RECEIVED, version]

    @rule(party=st.sampled_from(PARTIES))
    def read(self, party):
        got = self.store.atomic(lambda o: o.read(party, "330100", 2024, "5207"))
        self.calls += 1
        expected = {
            no
            for no, doc in self.docs.items()
            if party in doc.deliveries and not doc.discarded
            and doc.deliveries[party][0] in READABLE and doc.deliveries[party][1] >= doc.body_version
        }  # fmt: skip
        assert {d.delivery.key.voucher_no for d in got} == expected
        for no in expected:
            self.docs[no].deliveries[party][0] = DeliveryState.RECEIVED
        self.calls += len(expected) - 1  # one audit entry per voucher handed over

    @rule(no=st.sampled_from(NOS), party=st.sampled_from(PARTIES), event=st.sampled_from(
        [DeliveryEvent.CONFIRM, DeliveryEvent.CONFIRM_FAIL, DeliveryEvent.RETURN]))  # fmt: skip
    def answer(self, no, party, event):
        doc, ref = self.docs[no], key(no).ref
        sent = doc.deliveries.get(party)
        live = sent is not None and not doc.discarded and sent[1] >= doc.body_version
        rule_ = DELIVERY_TABLE[(event, sent[0])] if live else None
        calls = {
            DeliveryEvent.CONFIRM: lambda o: o.confirm(party, [ref]),
            DeliveryEvent.CONFIRM_FAIL: lambda o: o.confirm_fail(party, [ref], ["报文不规范"]),
            DeliveryEvent.RETURN: lambda o: o.return_vouchers(party, [ref], ["退回"]),
        }
        out = self.expect(rule_, lambda: self.store.atomic(calls[event]))
        if out and not out.noop:
            sent[0] = rule_.after

    @rule(no=st.sampled_from(NOS))
    def discard(self, no):
        doc = self.docs[no]
        rule_ = DOC_TABLE[(DocEvent.DISCARD, doc.state())] if doc.versions else None
        out = self.expect(rule_, lambda: self.store.atomic(lambda o: o.discard(FINANCE, [key(no).ref])))
        if out and not out.noop:
            doc.discarded = True

    @invariant()
    def statuses_match_the_model(self):
        for party in PARTIES:
            answers = self.store.query(
                lambda q, p=party: q.status(FINANCE.org, [key(n).ref for n in NOS], dest_type=p.org.type)
            )
            for no, answer in zip(NOS, answers, strict=True):
                doc = self.docs[no]
                sent = doc.deliveries.get(party)
                expected = -1 if not doc.versions else status_code(0, sent and sent[0])
                assert answer.code == expected, (no, party.org, answer, doc)

    @invariant()
    def versions_and_audit_agree(self):
        for no, doc in self.docs.items():
            assert len(self.store.query(lambda q, n=no: q.versions(key(n)))) == len(doc.versions)
        report = self.store.verify_audit()
        assert report.intact and report.head_seq == self.calls, (report, self.calls)

    def teardown(self):
        self.store.close()


def test_store_follows_the_model(store_factory):
    run_state_machine_as_test(
        lambda: StoreVsModel(store_factory),
        settings=settings(max_examples=20, stateful_step_count=25, deadline=None),
    )
