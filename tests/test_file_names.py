"""A file's name is the office's to choose, so it is data: a run publishes and prints of it only the part
the extract contract defines (snapshot, regency code, format), or its place in its folder.

Names holding a person's name, a NIK with hex characters beside it (once taken for a digest by the PII
scan) and a line break with escape sequences run through the real command, twice: once publishing, once
refused. Nothing the runs write outside the warehouse may hold the name or the NIK: the console, the
publication (CSV, Parquet, workbook, report, manifest), the audit reports and quarantine listings,
last_run.json and its log, and Dagster's event log.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from pipelines.lib.settings import REPO_ROOT
from tests.support.extracts import people, write_csv
from tests.support.incremental import process_env

S1 = "2026-03-31"
NAME = "Ratnasari Kusumawardhani"
NIK = "3201015203990077"  # West Java: a name starting with it claims no Kaltara regency
HIDDEN_NIK = "6501015203990077"
FORGED = "x\npublished to forged\x1b[2J"  # no "/": a file name cannot hold one


def _cli(settings) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", "run"],
        cwd=REPO_ROOT,
        env=process_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _text_of(path: Path) -> str:
    """What a reader of the file sees: Parquet and workbooks are compressed, so their values."""
    if path.suffix == ".parquet":
        rows = duckdb.sql(f"select * from read_parquet('{path}')").fetchall()
        names = duckdb.sql(f"describe select * from read_parquet('{path}')").fetchall()
        return repr(names) + repr(rows)
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        return repr([list(ws.iter_rows(values_only=True)) for ws in book.worksheets])
    return path.read_bytes().decode("utf-8", errors="replace")


def _written(settings, run: subprocess.CompletedProcess) -> dict[str, str]:
    """Everything a run leaves for people to read, by where it is."""
    dagster_home = Path(process_env(settings)["DAGSTER_HOME"])
    out = {"console": run.stdout + run.stderr}
    for root in (settings.publish_dir, settings.reports_dir, dagster_home):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            out[str(path)] = _text_of(path)
    return out


def _leaks(written: dict[str, str]) -> list[str]:
    secrets = [NAME, NAME.split()[0], NIK, HIDDEN_NIK, "forged"]
    found = [f"{where}: {s!r}" for where, text in written.items() for s in secrets if s in text]
    # an escape byte is ordinary inside a PNG or a database page; on the console it steers the terminal
    return found + (["console: escape sequence"] if "\x1b" in written["console"] else [])


@pytest.fixture
def hostile(ktp_env):
    raw = ktp_env.raw_dir / S1
    rows = people("6501", 24)
    rows[0]["NIK"] = "65010112"  # quarantined: the listing is named for the file
    write_csv(raw / f"6501 {NAME} {HIDDEN_NIK}abcdef0123456789.csv", rows)
    for i, code in enumerate(["6502", "6503", "6504"], start=1):
        write_csv(raw / f"{code}_extract.csv", people(code, 24, start_serial=100 * i + 1))
    write_csv(raw / f"6571_{FORGED}.csv", people("6571", 24, start_serial=501))
    return ktp_env


def test_what_runs_publish_and_print_of_a_file_name_is_its_contract_label(hostile):
    run = _cli(hostile)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _leaks(_written(hostile, run)) == []
    summary = duckdb.sql(
        f"select source_file from read_parquet('{hostile.publish_dir / 'ingest_summary.parquet'}') order by 1"
    ).fetchall()
    assert [s for (s,) in summary] == [
        f"{S1}/{code}.csv" for code in ["6501", "6502", "6503", "6504", "6571"]
    ]
    listings = sorted(p.name for p in (hostile.reports_dir / "quarantine" / S1).iterdir())
    assert listings == ["6501.csv"]
    assert f"landed   {S1}/6571.csv: 24 rows" in run.stdout

    # Refused files: a name that claims no regency, known by its place; a second file for 6502, by rank.
    raw = hostile.raw_dir / S1
    write_csv(raw / f"{NIK} {NAME}.csv", people("6502", 3))
    write_csv(raw / f"6502_{NAME}.csv", people("6502", 3))
    run = _cli(hostile)
    assert run.returncode != 0
    assert _leaks(_written(hostile, run)) == []
    assert f"{S1}/entry-1.csv: not a regency file name" in run.stdout  # first in name order
    assert f"{S1}/6502.csv (1 of 2): regency 6502 sent 2 files for this snapshot" in run.stdout
    last_run = json.loads((hostile.reports_dir / "last_run.json").read_text())
    assert {p["what"] for p in last_run["problems"] if p["stage"] == "ingest"} == {
        f"{S1}/entry-1.csv",
        f"{S1}/6502.csv (1 of 2)",
    }
