"""The hostile-office matrix: each attack of the second hardening round, on a copy of the shipped sample.

    python -m bench.hostile_matrix [--json OUT] [--only NAME]

One deployment of the shipped sample is published first. Each case changes the raw directory (or the
landing, or a setting) as a careless or hostile office would, runs the real `python -m pipelines run`
with its memory sampled (bench/procmon.py), and records the exit status, wall time, peak memory of the
process tree, the line that names the problem, whether the publication was left as it was, and
whether anything the run printed or wrote outside the warehouse holds the planted name or NIK. The
case is then undone and the deployment republished, so the cases do not see each other.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.crash_matrix import Deployment
from bench.procmon import run_measured
from bench.publication_state import file_hashes
from pipelines.lib.settings import REPO_ROOT
from tools.xlsx_sheet import SheetXml, rewrite_first_sheet

NAME = "Ratnasari Kusumawardhani"
NIK = "6501015203990077"
SNAPSHOT = "2026-09-30"
_SAID = re.compile(r"^(FAILED|WARNING|refused|IGNORED|DROPPED|NOT PUBLISHED|error|ktp:).*", re.M)


@dataclass
class Case:
    name: str
    attack: str  # as the issue tells it
    apply: Callable[[Deployment], dict[str, str]]  # changes the deployment; returns extra environment
    look_for: str  # a phrase the run's output must hold


def _file(dep: Deployment, code: str) -> Path:
    (path,) = (dep.raw / SNAPSHOT).glob(f"{code}_*")
    return path


def _xlsx_sheet(dep: Deployment, sheet_xml: SheetXml) -> None:
    """Tana Tidung's XLSX with its first sheet's XML rewritten."""
    path = _file(dep, "6504")
    rewrite_first_sheet(path, path.with_name(".attacked.xlsx"), sheet_xml).replace(path)


def _stray_cell(ref: str) -> Callable[[Deployment], dict[str, str]]:
    def apply(dep: Deployment) -> dict[str, str]:
        row = re.sub(r"[A-Z]", "", ref)
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        _xlsx_sheet(dep, lambda xml: xml.replace(b"</sheetData>", cell.encode()))
        return {}

    return apply


def _huge_cell(dep: Deployment) -> dict[str, str]:
    def sheet_xml(xml: bytes):
        head, tail = xml.split(b"</sheetData>")

        def write(out) -> None:
            out.write(head + b'<row r="999"><c r="A999" t="inlineStr"><is><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(500):
                out.write(chunk)
            out.write(b"</t></is></c></row></sheetData>" + tail)

        return write

    _xlsx_sheet(dep, sheet_xml)
    return {}


def _entity_in_name_cell(dep: Deployment) -> dict[str, str]:
    # A malformed entity right after a NIK and a name: the reader's error once quoted the cell.
    cell = f'<row r="999"><c r="A999" t="inlineStr"><is><t>{NIK} {NAME} &bogus;</t></is></c></row>'
    _xlsx_sheet(dep, lambda xml: xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>"))
    return {}


def _control(dep: Deployment) -> dict[str, str]:
    """No attack: Malinau's file loses its last person, so the run lands, builds and publishes."""
    path = _file(dep, "6502")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
    return {}


def _wide_header(dep: Deployment) -> dict[str, str]:
    path = _file(dep, "6502")
    path.write_bytes(b"NIK" + b";" * 5_000_000 + b"\n1;2\n")
    return {}


def _one_long_line(dep: Deployment) -> dict[str, str]:
    path = _file(dep, "6502")
    with path.open("wb") as out:
        out.write(b"NIK;NAMA_LGKP;")
        chunk = b"x" * (1 << 20)
        for _ in range(200):
            out.write(chunk)
    return {}


def _many_files(dep: Deployment) -> dict[str, str]:
    source = _file(dep, "6571")
    for i in range(5_000):
        (source.parent / f"6571_copy_{i:04d}.csv").write_bytes(b"NIK;NAMA_LGKP\n")
    return {}


def _names_in_file_names(dep: Deployment) -> dict[str, str]:
    # Renamed and changed (each loses its last person): a rename alone keeps the label, size and
    # modification time, so the run rightly finds nothing changed and lands nothing.
    for code, name in (
        ("6501", f"6501 {NAME} {NIK}abcdef0123456789.csv"),
        ("6503", "6503_x\npublished to forged\x1b[2J.csv"),
    ):
        path = _file(dep, code)
        lines = path.read_bytes().splitlines(keepends=True)
        path.unlink()
        path.with_name(name).write_bytes(b"".join(lines[:-1]))
    return {}


def _landed_rows(dep: Deployment, code: str) -> Path:
    (path,) = dep.settings.landing_dir.glob(f"snapshot_date={SNAPSHOT}/regency_code={code}/rows-*.parquet")
    return path


def _edited_landing(dep: Deployment) -> dict[str, str]:
    rows = _landed_rows(dep, "65.01")
    table = pq.read_table(rows)
    status = table.schema.get_field_index("STATUS_KTP_EL")
    pq.write_table(
        table.set_column(status, "STATUS_KTP_EL", pa.array(["CARD ISSUED"] * table.num_rows)), rows
    )
    return {}


def _truncated_landing(dep: Deployment) -> dict[str, str]:
    rows = _landed_rows(dep, "65.02")
    data = rows.read_bytes()
    rows.write_bytes(data[: len(data) // 2])
    return {}


def _quoted_warehouse(dep: Deployment) -> dict[str, str]:
    return {"KTP_WAREHOUSE": str(dep.root / "o'brien" / "ktp.duckdb")}


def _bracket_warehouse(dep: Deployment) -> dict[str, str]:
    return {"KTP_WAREHOUSE": str(dep.root / "w[1]" / "ktp.duckdb")}


CASES = [
    Case("control", "none: one file changed, as a reference", _control, "published to"),
    Case("xlsx_last_cell", "XLSX with one cell at XFD1048576", _stray_cell("XFD1048576"), "cells to lay out"),
    Case(
        "xlsx_cell_ref", "XLSX with a cell reference C99999999999", _stray_cell("C99999999999"), "past Excel"
    ),
    Case("xlsx_500mb_cell", "XLSX with one 500 MB cell", _huge_cell, "32,767"),
    Case("xlsx_entity", "XLSX whose name cell holds a malformed entity", _entity_in_name_cell, "XLSX"),
    Case("csv_wide_header", "CSV header of 5,000,000 empty columns", _wide_header, "header"),
    Case("csv_one_line", "CSV of one 200 MB line", _one_long_line, "header"),
    Case("many_files", "5,000 files named for one regency", _many_files, "5,001 files"),
    Case(
        "file_names",
        "a name and a NIK, a line break and escapes in file names",
        _names_in_file_names,
        "landed   2026-09-30/6501.csv",
    ),
    Case(
        "landed_edited", "a landed Parquet edited (every status CARD ISSUED)", _edited_landing, "landed again"
    ),
    Case("landed_truncated", "a landed Parquet cut in half", _truncated_landing, "landed again"),
    Case("path_quote", "a warehouse path with an apostrophe", _quoted_warehouse, "KTP_WAREHOUSE"),
    Case("path_brackets", "a warehouse path with [1]", _bracket_warehouse, "KTP_WAREHOUSE"),
]


def _written(dep: Deployment) -> str:
    """What people read besides the console: the text outputs of the publication and the reports."""
    texts = []
    for root in (dep.settings.publish_dir, dep.settings.reports_dir):
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in (".csv", ".json", ".html", ".log", ".md"):
                texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


def _coverage(hashes: dict[str, str]) -> dict[str, str]:
    return {name: digest for name, digest in hashes.items() if name.startswith("coverage_")}


def run_case(case: Case, workdir: Path) -> dict:
    raw = workdir / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(REPO_ROOT / "data" / "raw", raw)
    dep = Deployment(workdir / "deployment", raw)
    first = dep.run()
    if first.returncode != 0:
        raise AssertionError(f"{case.name}: the sample did not publish before the attack:\n{first.stdout}")
    published = file_hashes(dep.settings.publish_dir)
    coverage = _coverage(published)
    env = {**dep.env(), **case.apply(dep)}
    measured = run_measured([sys.executable, "-m", "pipelines", "run"], env=env, cwd=REPO_ROOT)
    out = measured.stdout + measured.stderr
    said_lines = [m.group(0) for m in _SAID.finditer(out)]
    leaked = [s for s in (NAME, NIK, "forged", "\x1b") if s in out] + [
        s for s in (NAME, NIK) if s in _written(dep)
    ]
    return {
        "case": case.name,
        "attack": case.attack,
        "exit": measured.returncode,
        "seconds": round(measured.seconds, 1),
        "peak_rss_mib": round(measured.peak_rss_bytes / 2**20),
        "publication_unchanged": file_hashes(dep.settings.publish_dir) == published,
        # a run that publishes again changes the manifest (run ids, times) and the landing times
        "coverage_unchanged": _coverage(file_hashes(dep.settings.publish_dir)) == coverage,
        "said": next((line for line in out.splitlines() if case.look_for in line), None),
        "said_anything": said_lines[:3],
        "leaked": sorted(set(leaked)),
    }


def run_cases(only: list[str] | None = None, *, echo: bool = False) -> list[dict]:
    results = []
    for case in CASES:
        if only and case.name not in only:
            continue
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
            result = run_case(case, Path(tmp))
        results.append(result)
        if echo:
            print(
                f"{case.name:18} exit {result['exit']}  {result['seconds']:6.1f} s  "
                f"{result['peak_rss_mib']:5} MiB  kept={result['publication_unchanged']}/"
                f"{result['coverage_unchanged']}  leaked={result['leaked'] or '-'}\n"
                f"{'':18} {result['said'] or result['said_anything']}",
                flush=True,
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_matrix", description=__doc__)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", action="append", help="run only the named case(s)")
    args = parser.parse_args(argv)
    results = run_cases(args.only, echo=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    bad = [r["case"] for r in results if r["leaked"] or r["said"] is None]
    if bad:
        print(f"HOSTILE MATRIX: leaked or said nothing in {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
