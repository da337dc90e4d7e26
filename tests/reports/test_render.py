"""Rendering: a real report has every section, works offline, and a failure keeps the last good copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from infusion.reporting.render import Job, RenderError, render
from infusion.workbook.publication import SECTIONS
from x12_text import isa

REMOTE = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"']https?://", re.I)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("reports")
    path = render(Job("03_code_publication.ipynb", {"code": "96371", "year": 2025}, "pub.html"), out)
    return out, path.read_text(encoding="utf-8")


def test_every_section_and_footer(rendered):
    _, html = rendered
    for s in SECTIONS:
        assert f">{s}<" in html or f">{s}</h2>" in html or s in html, s
    assert "report-footer" in html and "Data sources" in html and "Rendered 20" in html
    assert "CPT 96371" in html and "$55.64" in html  # 2025 national 96371


def test_static_png_copies_of_the_charts(rendered):
    out, _ = rendered
    pngs = sorted((out / "img").glob("pub-*.png"))
    assert len(pngs) >= 3
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000 for p in pngs)
    assert any("units-of-96370" in p.name for p in pngs)


def test_offline_no_remote_loads(rendered):
    _, html = rendered
    assert not REMOTE.search(html)
    assert "Plotly.newPlot" in html and html.count("plotly.js v") >= 1
    assert "input_area" not in html or "jp-InputArea" not in html


def test_failed_render_keeps_last_good_report(rendered):
    out, html = rendered
    target = out / "pub.html"
    before = target.read_bytes()
    with pytest.raises(RenderError) as e:
        render(Job("03_code_publication.ipynb", {"code": "99999", "year": 2025}, "pub.html"), out)
    assert "code" in str(e.value)
    assert target.read_bytes() == before
    assert e.value.kept is not None and e.value.kept.exists() and e.value.kept.parent.name == "failed"


def test_the_kernel_talks_over_unix_sockets_not_tcp(tmp_path, capfd):
    """Reports render with the kernel on IPC sockets in a private temporary directory: no port is
    opened, and the kernel's warning about unencrypted TCP never reaches the render log."""
    path = render(Job("02_payer_benchmarks.ipynb", {"code": "96370", "year": 2026}, "bench.html"), tmp_path, png=False)
    err = capfd.readouterr().err
    assert path.exists() and "Medicare" in path.read_text(encoding="utf-8")
    assert "without encryption" not in err and "TCP" not in err


def test_the_claims_audit_renders_with_its_source_and_no_patient_data(tmp_path):
    """Notebook 04 rendered on an 837 that names a subscriber: the file and its kind, the counts,
    the footer with the date and sources; the subscriber's name and id are nowhere in the report."""
    segments = [
        "GS*HC*S*R*20260302*1200*1*X*005010X222A1",
        "ST*837*0001*005010X222A1",
        "HL*1**20*1",
        "NM1*85*2*CLINIC*****XX*1",
        "N4*SAN FRANCISCO*CA*94103",
        "HL*2*1*22*0",
        "NM1*IL*1*SUBSCRIBERNAME*X****MI*1AB2CD3EF45",
        "DMG*D8*19500101*F",
        "NM1*PR*2*AETNA",
        "CLM*A1*1***11:B:1",
        "LX*1",
        "SV1*HC:96370*1*UN*1***1",
        "DTP*472*D8*20260302",
        "SE*12*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    claims = tmp_path / "month.837"
    claims.write_text(isa(sender="S", receiver="R") + "~".join(segments) + "~")
    path = render(Job("04_claims_audit.ipynb", {"claims_path": str(claims)}, "audit.html"), tmp_path, png=False)
    html = path.read_text(encoding="utf-8")
    assert "claims file: month.837 (X12 837)" in html and "lines in 1 = checked 1 + rejected 0" in html
    assert "ILLUSTRATIVE sample" not in html.split("claims file: month.837")[1][:200]
    assert "report-footer" in html and "Rendered 20" in html and "CMS OPPS Addendum B" in html
    assert "U-ADDON" in html
    for secret in ("SUBSCRIBERNAME", "1AB2CD3EF45", "19500101"):
        assert secret not in html
