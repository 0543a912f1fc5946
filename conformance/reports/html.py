"""report.html from report.json: the verdict, per-area counts, the tested-requirements table, then each
requirement with its checks and their SOAP evidence (folded), waivers and their findings."""

from __future__ import annotations

from html import escape
from typing import Any

_CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.passed,.PASS{background:#e6f4e6}.failed,.error,.FAIL{background:#fbe3e3}.waived,.PASS-WITH-WAIVERS{background:#fff4d6}
.skipped,.not-applicable,.NOT-TESTED,.NOT-FULLY-VERIFIED{background:#eee}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:6px;font-size:12px;max-height:30em;overflow:auto}
details{margin:2px 0 2px 1em}h1 .v{padding:2px 10px}
"""


def _cls(value: str) -> str:
    return value.replace(" ", "-")


def _check(r: dict[str, Any]) -> str:
    head = (
        f'<details><summary class="{_cls(r["outcome"])}"><b>{escape(r["check"])}</b> — {escape(r["outcome"])}'
        f" — {escape(r['title'])} ({r['seconds']:.2f} s)</summary>"
    )
    parts = [head]
    if r["message"]:
        parts.append(f"<p>{escape(r['message'])}</p>")
    if r["broken_requirements"]:
        parts.append(f"<p>breaks: {escape(', '.join(r['broken_requirements']))}</p>")
    if r["replay"]:
        parts.append(f"<p>rerun: <code>{escape(r['replay'])}</code></p>")
    if r["waiver"]:
        w = r["waiver"]
        parts.append(
            f"<p>waived until {escape(w['expires'])} by {escape(w['owner'])}: {escape(w['reason'])}</p>"
        )
    if r["detail"]:
        parts.append(f"<pre>{escape(str(r['detail']))}</pre>")
    for i, e in enumerate(r["evidence"], 1):
        parts.append(
            f"<details><summary>#{i} {escape(e['service'])}.{escape(e['operation'])}"
            f" → HTTP {e['http_status']} ({e['ms']} ms)</summary>"
            f"<pre>{escape(e['request'])}</pre><pre>{escape(e['response'])}</pre></details>"
        )
    parts.append("</details>")
    return "".join(parts)


def render_html(report: dict[str, Any]) -> str:
    by_id = {r["check"]: r for r in report["results"]}
    out = [
        f"<!doctype html><meta charset='utf-8'><title>guoku certify: {escape(report['target'])}</title>",
        f"<style>{_CSS}</style>",
        f"<h1>Certification of {escape(report['target'])}: "
        f"<span class='v {report['verdict']}'>{report['verdict']}</span></h1>",
        f"<p>profile {escape(report['declaration']['profile'])} · seed {report['seed']}"
        f" · run tag {report['run_tag']}"
        f" · started {escape(report['started'])} · {report['seconds']} s · {len(report['results'])} checks"
        f" · {report['soap_calls']} SOAP calls · suite guoku {escape(report['suite']['guoku'])},"
        f" catalogue {report['suite']['catalogue_sm3'][:16]}…"
        f" · environment {escape(report['environment']['scenario'])}"
        f" (CA {report['environment']['ca_sm3'][:16]}…)</p>",
        f"<p>declaration: <code>{escape(str(report['declaration']))}</code></p>",
        "<h2>Areas</h2><table><tr><th>area</th>"
        + "".join(f"<th>{escape(k)}</th>" for k in report["totals"])
        + "</tr>",
    ]
    for area, counts in report["areas"].items():
        out.append(
            f"<tr><td>{escape(area)}</td>" + "".join(f"<td>{v or ''}</td>" for v in counts.values()) + "</tr>"
        )
    out.append(
        "<tr><th>total</th>" + "".join(f"<th>{v}</th>" for v in report["totals"].values()) + "</tr></table>"
    )
    if report["waivers"] or report["waiver_findings"]:
        out.append(
            "<h2>Waivers</h2><table><tr><th>check</th><th>owner</th><th>expires</th><th>reason</th><th>finding</th></tr>"
        )
        problems = {f["check"]: f["problem"] for f in report["waiver_findings"]}
        for w in report["waivers"]:
            cls = "FAIL" if w["check"] in problems else ""
            out.append(
                f"<tr class='{cls}'><td>{escape(w['check'])}</td><td>{escape(w['owner'])}</td>"
                f"<td>{escape(w['expires'])}</td>"
                f"<td>{escape(w['reason'])}</td><td>{escape(problems.get(w['check'], ''))}</td></tr>"
            )
        out.append("</table>")
    out.append(
        "<h2>Tested requirements</h2><table><tr><th>requirement</th><th>verdict</th><th>checks</th></tr>"
    )
    for rid, row in report["requirements"].items():
        out.append(
            f"<tr class='{_cls(row['verdict'])}'><td><a href='#{rid}'>{rid}</a></td><td>{row['verdict']}</td>"
            f"<td>{len(row['checks'])}</td></tr>"
        )
    out.append("</table><h2>Requirements, checks and evidence</h2>")
    for rid, row in report["requirements"].items():
        out.append(f"<h3 id='{rid}' class='{_cls(row['verdict'])}'>{rid}: {row['verdict']}</h3>")
        out.extend(_check(by_id[c]) for c in row["checks"])
    return "\n".join(out) + "\n"
