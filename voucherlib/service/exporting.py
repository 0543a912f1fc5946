"""exportPDF: one copy (联) of a voucher the caller owns or received, as a PDF (VL-LIB-036).

The owner gets its latest version, a recipient the version delivered to it — what each of them
holds. Every export is a print: it counts for queryVoucherPrintCount and is audited.
"""

from __future__ import annotations

from voucherlib.errors import ArgumentError
from voucherlib.pdf import version_pdf
from voucherlib.service.call import Call
from voucherlib.store import Operations, Version, VoucherRef

MAX_COPIES = 5  # 联次: payment vouchers are printed in up to five copies


def export_pdf(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, page_no: int, voucher_no: str
) -> bytes:
    """exportPDF: the PDF of copy `pageNo` (1..5) of the voucher, stamps drawn where they are."""
    call.scope(adm_div_code, st_year, vt_code)
    if not 1 <= page_no <= MAX_COPIES:
        raise ArgumentError(argument="pageNo", rule=f"a copy (联) 1..{MAX_COPIES}", value=page_no)
    ref = VoucherRef(adm_div_code, st_year, vt_code, voucher_no)
    call.addressed([ref], owned_too=True)

    def held(ops: Operations) -> Version:
        doc = ops.visible(call.org, ref)
        delivered = [d.version for d in ops.deliveries(doc.key) if call.org.receives(d.dest)]
        number = doc.version if doc.owner == call.org else max(delivered)
        ops.record_print(call.actor, ref, operation=call.operation)
        return ops.version(doc.key, number)

    version = call.write(held)
    return version_pdf(version, call.env.positions.get(vt_code, ()), copy_no=page_no)


OPERATIONS = {"exportPDF": export_pdf}
