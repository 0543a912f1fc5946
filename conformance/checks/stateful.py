"""The Hypothesis state machine of `conformance.stateful` as one check: random interleavings of the
lifecycle against the status-table model; a failure carries the shrunk minimal sequence of steps."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as seeded
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Failure
from conformance.stateful import machine_for

EXAMPLES, STEPS = 12, 14


@requirement("VL-LIB-035", "VL-LIB-038", "VL-WIRE-013", "VL-STORE-012", "VL-STORE-008")
def lifecycle_machine(ctx: Ctx) -> None:
    """Random interleavings of write, send, read(Again), answers and receipts keep the modelled statuses."""
    machine = machine_for(ctx)
    lines: list[str] = []
    test = seeded(ctx.target.seed)(
        lambda: run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,
                print_blob=False,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate, Phase.shrink],
            ),
        )
    )
    try:
        with with_reporter(lines.append):
            test()
    except (Failure, ExceptionGroup) as caught:
        failure = caught if isinstance(caught, Failure) else _first_failure(caught)
        # Hypothesis reports the falsifying steps as notes on the exception (PEP 678), older ones via report()
        steps = "\n".join([*map(str, lines), *getattr(failure, "__notes__", ())]).strip()
        ctx.notes["minimal sequence"] = steps
        raise Failure(
            f"{failure.message}\nshrunk minimal sequence (replay with --seed {ctx.target.seed}):\n{steps}",
            requirement=failure.requirement,
        ) from None


def _first_failure(group: BaseExceptionGroup) -> Failure:
    """Hypothesis found several distinct failures: report the first of the target's (else re-raise)."""
    for exc in group.exceptions:
        if isinstance(exc, Failure):
            return exc
    raise group
