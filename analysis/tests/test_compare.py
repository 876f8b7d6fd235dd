"""compare: one column per file, sweep CSVs, bar charts."""

import os

import pytest

from joule_analysis import compare, kpi
from joule_analysis.cli import main
from joule_analysis.runfile import Run


def test_table_has_one_column_per_file(sim_h5, sim_h5_b, facility_h5):
    labels, dicts, failed = compare.load([sim_h5, sim_h5_b, facility_h5])
    assert failed == []
    text = compare.table(labels, dicts)
    lines = text.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["KPI", "tiny", "tiny-b", "tiny-facility"]
    for line in lines[2:]:
        assert len(line.strip("|").split("|")) == 4
    it_row = next(line for line in lines if line.startswith("| IT energy (MWh)"))
    cells = [c.strip() for c in it_row.strip("|").split("|")]
    assert cells[1] == kpi.fmt(kpi.kpis(Run(sim_h5))["it_energy_mwh"])
    assert cells[2] == kpi.fmt(kpi.kpis(Run(sim_h5_b))["it_energy_mwh"])
    # The facility run adds rows the others show as "-".
    pue_row = next(line for line in lines if line.startswith("| PUE"))
    assert pue_row.count(" - ") == 2


def test_labels_fall_back_to_file_names_when_names_repeat(sim_h5, tmp_path):
    import shutil
    other = tmp_path / "copy.h5"
    shutil.copy(sim_h5, other)
    labels, _, _ = compare.load([sim_h5, str(other)])
    assert labels == ["tiny", "copy"]


def test_sweep_summary_csv(tmp_path):
    path = tmp_path / "summary.csv"
    path.write_text(
        "variant,cooling.type,status,error,it_energy_kwh,facility_energy_kwh,pue,co2e_t\n"
        "v000,air,ok,,1000,1300,1.3,0.5\n"
        "v001,liquid,ok,,1000,1100,1.1,\n"
        "v002,air,failed,boom: bad key,,,,\n")
    labels, dicts, failed = compare.load([str(path)])
    assert labels == ["v000", "v001"]
    assert failed == [("v002", "boom: bad key")]
    assert dicts[0]["it_energy_mwh"] == pytest.approx(1.0)
    assert dicts[1]["pue"] == pytest.approx(1.1)
    assert dicts[1]["co2e_t"] is None
    text = compare.table(labels, dicts, relative=True)
    assert "-15.4 %" in text  # facility energy 1100 vs 1300
    with pytest.raises(ValueError, match="no KPI columns"):
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b\n1,2\n")
        compare.load([str(bad)])


def test_compare_cli_writes_table_and_charts(sim_h5, sim_h5_b, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", sim_h5, sim_h5_b, "-o", str(out), "--relative"]) == 0
    text = capsys.readouterr().out
    assert "Relative to tiny" in text
    assert os.path.getsize(out / "compare.md") > 0
    assert os.path.getsize(out / "compare.png") > 1000
    assert main(["compare", sim_h5, "x.csv"]) == 2
