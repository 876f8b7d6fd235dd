"""report: one self-contained HTML page; loaded in headless Chromium (Debian `chromium`) with
no console errors, its script run, its plots present and drawn (a screenshot's pixels)."""

import os
import re
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

from joule_analysis import compare, plots, report
from joule_analysis.cli import main

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium (scripts/install-deps.sh installs Debian's)")


def chromium(url, *args):
    """Runs headless Chromium on `url`; returns (stdout, stderr lines of console messages)."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--window-size=1200,2400", *args, url],
            capture_output=True, text=True, timeout=120)
    # Console messages read "[pid:tid:time:INFO:CONSOLE:1] "text", source: url (line)" (older
    # builds: "CONSOLE(1)").
    console = [line for line in proc.stderr.splitlines() if re.search(r":CONSOLE[:(]", line)]
    return proc.stdout, console


def test_run_report_is_self_contained(facility_h5, tmp_path):
    out = str(tmp_path / "r.html")
    assert main(["report", facility_h5, "-o", out]) == 0
    text = open(out, encoding="utf-8").read()
    # Nothing fetched from elsewhere: no external scripts, styles or images.
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    for section in ("Warnings", "Key performance indicators", "Scenario", "Provenance"):
        assert f">{section}<" in text
    assert "git_revision" in text and "tiny-facility" in text
    # KPIs with their units, grouped by topic.
    specs = compare.specs(facility_h5)
    groups = report.kpi_groups({"pue": 1.3, "co2e_t": 2.0, "it_energy_mwh": 5.0,
                                "p95_wait_h": 1.0, "wall_s": 3.0}, specs)
    assert list(groups) == ["energy", "environment", "jobs"]  # the registry's topics, in order
    assert [label for label, _ in groups["energy"]] == ["IT energy (MWh)", "PUE"]
    # The grouping reads the topic field, whatever the KPI: a KPI of a new topic gets a group.
    new = compare.Spec("x_kwh", "x_mwh", "x (MWh)", 1e-3, topic="ledger")
    assert report.kpi_groups({"x_mwh": 1.0, "pue": 1.2}, specs + [new]) == {
        "energy": [("PUE", "1.2")], "ledger": [("x (MWh)", "1")]}
    assert "IT energy (MWh)" in text and "emissions (tCO2e)" in text
    assert text.count('<svg class="plot"') >= 5


@needs_chromium
def test_console_check_catches_a_script_error(tmp_path):
    # The check below is only worth something if it sees errors: a page with one.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>console.error('boom');"
                   "no_such_function();</script></body></html>")
    _, console = chromium(bad.as_uri(), "--dump-dom")
    assert any("boom" in line for line in console), console
    assert any("Uncaught ReferenceError: no_such_function" in line for line in console), console


@needs_chromium
def test_run_report_in_chromium(facility_h5, tmp_path):
    out = tmp_path / "r.html"
    report.write([facility_h5], str(out))
    dom, console = chromium(out.as_uri(), "--dump-dom")
    assert console == []
    assert 'data-ready="1"' in dom  # the page's script ran to its end
    for fig in ("plot-power", "plot-energy", "plot-emissions", "plot-pue", "plot-racks",
                "plot-jobs", "plot-flow"):
        assert f'id="{fig}"' in dom, fig
    # Hovering the power chart shows the values at that instant (a synthetic mouse event).
    probe = tmp_path / "probe.html"
    probe.write_text(out.read_text().replace("</body>", """<script>
var svg = document.querySelector('#plot-power svg'), r = svg.getBoundingClientRect();
svg.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + r.width / 2,
                                               clientY: r.top + r.height / 2}));
document.body.setAttribute('data-probe', document.querySelector('.tip').textContent);
</script></body>"""))
    dom, console = chromium(probe.as_uri(), "--dump-dom")
    assert console == []
    tip = re.search(r'data-probe="([^"]*)"', dom).group(1)
    assert re.match(r"2023-01-0[1-3] \d\d:\d\d", tip), tip  # the instant, in site time
    assert "IT: " in tip and " kW" in tip and "UPS loss: " in tip, tip
    shot = tmp_path / "r.png"
    _, console = chromium(out.as_uri(), f"--screenshot={shot}")
    assert console == []
    import matplotlib.image
    img = matplotlib.image.imread(str(shot))[..., :3]
    assert img.shape[:2] == (2400, 1200)
    # The plots are drawn: the stacked power chart's IT blue covers a good area.
    it = np.array([int(plots.IT_COLOR[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    blue = np.all(np.abs(img - it) < 0.08, axis=-1)
    assert blue.sum() > 20000, blue.sum()


@needs_chromium
def test_sweep_report_in_chromium(joule, tmp_path):
    from test_compare import SWEEP
    from conftest import REPO
    base = os.path.join(REPO, "scenarios", "sweeps", "base", "small-jobs.yaml")
    data = os.path.join(REPO, "scenarios", "data")
    (tmp_path / "s.yaml").write_text(SWEEP.format(base=base, data=data))
    proc = subprocess.run([joule, "sweep", str(tmp_path / "s.yaml"), "-o",
                           str(tmp_path / "sw"), "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "s.html"
    assert main(["report", str(tmp_path / "sw"), "-o", str(out)]) == 0
    text = out.read_text()
    assert "Joule sweep" in text and text.count("<tr") >= 2 * 8 + 2  # both tables, 8 variants
    dom, console = chromium(out.as_uri(), "--dump-dom")
    assert console == []
    assert 'data-ready="1"' in dom
    assert dom.count('class="plot"') >= 3
    assert 'id="variants"' in dom and "Leesburg" in dom and "Phoenix" in dom
    assert 'id="plot-factors"' in dom  # KPIs against the power cap
