"""The reports directory: what is served from it and what is not."""

from __future__ import annotations

from voucherlib.console.reports import report_file, report_index


def test_only_files_inside_the_directory_are_served(tmp_path):
    root = tmp_path / "reports"
    (root / "load").mkdir(parents=True)
    (root / "load" / "report.html").write_text("<title>load 1.0 vs 2.0</title>", encoding="utf-8")
    (root / "load" / "p99.png").write_bytes(b"\x89PNG")
    (root / "secret.key").write_text("no")
    (tmp_path / "outside.html").write_text("<title>outside</title>")
    (root / "link.html").symlink_to(tmp_path / "outside.html")
    assert report_file(root, "load/p99.png") == (root / "load" / "p99.png").resolve()
    for path in ("../outside.html", "link.html", "secret.key", "load", "missing.html", "/etc/passwd"):
        assert report_file(root, path) is None, path
    assert [(r.path, r.title) for r in report_index(root)] == [("load/report.html", "load 1.0 vs 2.0")]
