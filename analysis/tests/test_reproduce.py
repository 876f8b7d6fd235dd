"""reproduce: the paper numbers, the error arithmetic, the pass/fail rule and the runner."""

import os

import pytest

import csv
import io

from joule_analysis import reproduce
from joule_analysis.runfile import Run

SCENARIOS = reproduce.default_scenario_dir()


@pytest.fixture(scope="module")
def reference():
    return reproduce.load_reference(SCENARIOS)


def test_paper_values_from_the_reference_file(reference):
    paper = {c.id: c.paper(reference) for c in reproduce.CASES}
    assert paper["t5"] == {"energy_mwh": 85.7, "co2e_t": 46.7, "days": 20}
    assert paper["gpt3"]["energy_mwh"] == 1287
    # BLOOM: 118 d 5 h 41 min; dynamic energy 433,196 kWh.
    assert paper["bloom"]["days"] == pytest.approx(118 + 5 / 24 + 41 / 1440)
    assert paper["bloom"]["energy_mwh"] == pytest.approx(433.196)
    # Llama 2 70B: 1,720,320 GPU-hours x 400 W.
    assert paper["llama2-70b"]["energy_mwh"] == pytest.approx(1720320 * 400 / 1e6)
    assert paper["llama2-70b"]["days"] is None


def test_published_inputs_reproduce_the_published_outputs(reference):
    # The replay's premise, by hand: chips x days x 24 h x avg power x PUE (Patterson's note).
    for name, r in reference["patterson2021"]["runs"].items():
        mwh = r["chips"] * r["days"] * 24 * r["avg_power_w_per_chip"] * r["pue"] / 1e6
        assert reproduce.error_pct(mwh, r["energy_mwh"]) == pytest.approx(0, abs=0.5), name
        assert reproduce.error_pct(mwh * r["kgco2e_per_kwh"], r["tco2e"]) == \
            pytest.approx(0, abs=0.5), name


def test_error_pct():
    assert reproduce.error_pct(90.0, 85.7) == pytest.approx(100 * 4.3 / 85.7)
    assert reproduce.error_pct(80.0, 100.0) == pytest.approx(-20.0)
    assert reproduce.error_pct(None, 1.0) is None
    assert reproduce.error_pct(1.0, None) is None


def test_rows_and_the_one_percent_rule():
    case = reproduce.CASES[0]
    paper = {"energy_mwh": 100.0, "co2e_t": 50.0, "days": 20.0}
    good = {"energy_mwh": 100.9, "co2e_t": 49.6, "days": 20.0, "notes": []}
    bad = {"energy_mwh": 101.2, "co2e_t": 50.0, "days": 20.0, "notes": ["a note"]}
    rows, failures, notes = reproduce.build_rows([(case, "replay", paper, good, "")])
    assert failures == [] and notes == []
    assert [r[5] for r in rows] == pytest.approx([0.9, -0.8, 0.0])
    assert rows[0][6].startswith("ok")
    rows, failures, notes = reproduce.build_rows([(case, "replay", paper, bad, "")])
    assert len(failures) == 1 and "+1.20 %" in failures[0]
    assert rows[0][-1] == "FAIL (> 1 %) [1]" and notes == ["t5-replay: a note"]
    # Predictive errors are reported, never failed.
    rows, failures, _ = reproduce.build_rows([(case, "predictive", paper, bad, "")])
    assert failures == [] and rows[0][5] == pytest.approx(1.2) and rows[0][6] == "[1]"
    assert [r[6] for r in rows[1:]] == ["", ""]
    # A run that could not be made fails a replay.
    rows, failures, notes = reproduce.build_rows([(case, "replay", paper, None, "joule exited 2")])
    assert failures and rows[0][-1] == "not run [1]" and "joule exited 2" in notes[0]
    assert rows[0][3] == 100.0 and rows[0][4] is None  # the paper's number is still shown


def test_simulated_values_of_a_replay_like_run(replay_like_h5):
    sim = reproduce.simulated_values(Run(replay_like_h5))
    # 8 hosts x 4 chips x 310 W x 48 h, no facility model in this scenario.
    assert sim["energy_mwh"] == pytest.approx(32 * 310 * 48 / 1e6, rel=1e-9)
    assert sim["days"] == pytest.approx(2.0)
    assert sim["co2e_t"] is None
    assert any("no facility model" in n for n in sim["notes"])


def test_simulated_values_count_the_job_not_the_idle_tail(mini_replay_h5):
    run = Run(mini_replay_h5)
    assert run.summary["pue"] == pytest.approx(1.12, rel=1e-9)
    sim = reproduce.simulated_values(run)
    # By hand: 32 chips x 310 W x 48 h x 1.12, and x 0.545 kgCO2e/kWh.
    mwh = 32 * 310 * 48 * 1.12 / 1e6
    assert sim["energy_mwh"] == pytest.approx(mwh, rel=1e-9)
    assert sim["co2e_t"] == pytest.approx(mwh * 0.545, rel=1e-9)
    assert sim["days"] == pytest.approx(2.0)
    assert sim["notes"] == []
    # The run itself also holds a day of idle hosts.
    assert run.summary["facility_energy_kwh"] / 1e3 > sim["energy_mwh"]


def test_runner_runs_and_reads(joule, tmp_path):
    scen = tmp_path / "scen"
    scen.mkdir()
    # No copy of the published figures in `scen`: the shipped file is read.
    from conftest import REPLAY_LIKE
    (scen / "t5-replay.yaml").write_text(REPLAY_LIKE)
    out = tmp_path / "out"
    results = reproduce.reproduce(str(scen), str(out), joule=joule, modes=("replay",),
                                  only={"t5"})
    assert len(results) == 1
    case, mode, paper, sim, err = results[0]
    assert err == "" and os.path.exists(out / "t5-replay.h5")
    assert sim["energy_mwh"] == pytest.approx(0.47616)
    text, failures = reproduce.report(results)
    assert "T5 (Patterson 2021)" in text
    assert failures  # a 32-chip, 2-day run is not T5, and has no tCO2e
    # Reuse reads the same file without running.
    again = reproduce.reproduce(str(scen), str(out), reuse=True, modes=("replay",), only={"t5"})
    assert again[0][3]["energy_mwh"] == pytest.approx(0.47616)
    # A missing scenario is a row, not a crash.
    missing = reproduce.reproduce(str(scen), str(out), joule=joule, modes=("predictive",),
                                  only={"t5"})
    assert missing[0][3] is None and "no scenario" in missing[0][4]


def test_report_markdown_and_csv_numbers():
    case = reproduce.CASES[0]
    paper = {"energy_mwh": 1287.0, "co2e_t": 552.0, "days": 14.8}
    sim = {"energy_mwh": 1289.3166, "co2e_t": 551.0, "days": 14.8, "notes": []}
    results = [(case, "replay", paper, sim, "")]
    text, _ = reproduce.report(results)
    assert "1,287.0" in text and "+0.18 %" in text
    text, _ = reproduce.report(results, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["paper"] == "1287" and float(rows[0]["simulation"]) == 1289.3166
    assert float(rows[0]["error_pct"]) == pytest.approx(100 * 2.3166 / 1287)
    assert rows[2]["quantity"] == "duration (d)" and float(rows[2]["error_pct"]) == 0.0


def test_shipped_replays_match_the_publications(joule, tmp_path):
    """The five replay scenarios: energy and tCO2e within 1 % of the papers (the command's
    own pass/fail rule), durations as published."""
    results = reproduce.reproduce(SCENARIOS, str(tmp_path), joule=joule, modes=("replay",))
    assert len(results) == len(reproduce.CASES)
    rows, failures, _ = reproduce.build_rows(results)
    assert failures == [], failures
    for case, _, paper, sim, err in results:
        assert err == "", err
        assert abs(reproduce.error_pct(sim["energy_mwh"], paper["energy_mwh"])) <= 1.0
        assert abs(reproduce.error_pct(sim["co2e_t"], paper["co2e_t"])) <= 1.0
        if paper["days"] is not None:
            assert sim["days"] == pytest.approx(paper["days"], rel=1e-9)


def test_reference_own_copy_takes_precedence(tmp_path):
    shipped = reproduce.load_reference(str(tmp_path))
    assert "patterson2021" in shipped
    (tmp_path / reproduce.REFERENCE_NAME).write_text("mine: {runs: {}}\n")
    assert reproduce.load_reference(str(tmp_path)) == {"mine": {"runs": {}}}
