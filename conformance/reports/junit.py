"""JUnit XML from report.json: one testsuite per area, one testcase per check (stdlib ElementTree)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET


def render_junit(report: dict[str, Any]) -> bytes:
    root = ET.Element("testsuites", name="guoku certify", time=str(report["seconds"]))
    for area in report["areas"]:
        results = [r for r in report["results"] if r["area"] == area]
        count = {k: sum(r["outcome"] == k for r in results) for k in ("failed", "error")}
        skipped = sum(r["outcome"] in ("skipped", "not applicable", "waived") for r in results)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=area,
            tests=str(len(results)),
            failures=str(count["failed"]),
            errors=str(count["error"]),
            skipped=str(skipped),
            time=f"{sum(r['seconds'] for r in results):.3f}",
        )
        for r in results:
            case = ET.SubElement(
                suite, "testcase", classname=f"certify.{area}", name=r["check"], time=f"{r['seconds']:.3f}"
            )
            requirements = ", ".join(r["broken_requirements"] or r["requirements"])
            if r["outcome"] == "failed":
                ET.SubElement(case, "failure", message=f"[{requirements}] {r['message']}"[:1000]).text = r[
                    "replay"
                ]
            elif r["outcome"] == "error":
                ET.SubElement(case, "error", message=r["message"][:1000]).text = r["replay"]
            elif r["outcome"] in ("skipped", "not applicable"):
                ET.SubElement(case, "skipped", message=f"{r['outcome']}: {r['message']}")
            elif r["outcome"] == "waived":
                waiver = r["waiver"] or {}
                ET.SubElement(
                    case,
                    "skipped",
                    message=(
                        f"waived until {waiver.get('expires')} by {waiver.get('owner')}:"
                        f" {waiver.get('reason')}"
                        f" (failure: {r['message']})"
                    ),
                )
            ET.SubElement(case, "system-out").text = f"requirements: {', '.join(r['requirements'])}"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
