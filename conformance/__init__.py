"""Certification suite for voucher libraries: certifies any library from its SOAP wire alone.

    from conformance import Config, Declaration, run
    for event in run(Config(target=URL, env_dir=ENV, declaration=Declaration(profile="2.0"))):
        ...  # RunStarted, GroupStarted, CheckFinished, GroupFinished, RunFinished(report)

Checks live in `conformance.checks.<area>`, declared with `catalogue.requirement`; the engine
yields events and never prints; `conformance.reports` renders report.json as JUnit and HTML;
`conformance.bundle` signs and verifies the report directory. It reaches a library only through
`mocks.VoucherLibraryClient` and never imports `voucherlib` (tests/conformance/test_layering.py).
"""

from conformance.declaration import Declaration, read_declaration
from conformance.engine import Config, run
from conformance.outcomes import CheckResult, Outcome

__all__ = ["CheckResult", "Config", "Declaration", "Outcome", "read_declaration", "run"]
