"""The auditor's export of quarantined rows: one CSV per loaded file, identifiers masked in SQL.

<reports_dir>/quarantine/<snapshot>/<regency code, 4 digits>_<source file stem>.csv, rows in file order.
NIK and NO_KK keep their first 6 (area of issue) and last 4 digits; a value that is not 16 digits keeps
at most its first 6 characters and at most half of itself, the rest '*'. NAMA_LGKP is reduced to
initials. Every other field stays as sent (auditors need it to see why the row was refused), except
that any run of 16+ digits in it is masked too, in case a shifted column carried a NIK there. The
rules are pipelines/lib/masking.py's, in their SQL form.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import duckdb

from pipelines.lib.fingerprint import fingerprint
from pipelines.lib.fsio import atomic_write
from pipelines.lib.masking import initials_sql, mask_identifier_sql, scrub_digits_sql
from pipelines.lib.sql import spreadsheet_safe_sql, sql_ident, sql_string
from pipelines.lib.warehouse import connect

QUARANTINE_DIR = "quarantine"
# Beside the listings' folder: per snapshot, the files its listings were made from.
SOURCE_STAMPS = "quarantine.made_from.json"
_FILE_MODE = 0o640  # personal data, masked or not: not for every account on the host
_RAW_TEXT_COLUMNS = [
    "jenis_klmin",
    "tmpt_lhr",
    "tgl_lhr",
    "stat_kwn",
    "kwrngrn",
    "no_prop",
    "no_kab",
    "no_kec",
    "no_kel",
    "status_ktp_el",
    "tgl_rekam",
    "tgl_entri",
    "lokasi_rekam",
]


def select_masked_sql() -> str:
    # Every text cell as an auditor's spreadsheet may open it: free text as sent, but never a formula.
    raw = ",\n    ".join(
        f"{spreadsheet_safe_sql(scrub_digits_sql(c))} as {sql_ident(c)}" for c in _RAW_TEXT_COLUMNS
    )
    return (
        "select snapshot_date, regency_code, source_file, row_number, reason,\n"
        f"    {spreadsheet_safe_sql(mask_identifier_sql('nik'))} as nik_masked,\n"
        f"    {spreadsheet_safe_sql(mask_identifier_sql('no_kk'))} as no_kk_masked,\n"
        f"    {spreadsheet_safe_sql(initials_sql('nama_lgkp'))} as nama_lgkp_initials,\n"
        f"    {raw}\n"
        "from ingest.quarantine"
    )


def export_quarantine(
    warehouse: Path,
    reports_dir: Path,
    *,
    snapshots: list[date | str] | None = None,
    only_changed: bool = False,
) -> list[Path]:
    """Rewrite the quarantine reports of the given snapshots (default: every snapshot in the warehouse).

    A snapshot's directory is rebuilt aside and swapped in, so reports of files that no longer have
    rejects disappear with it. With `only_changed`, a snapshot whose listings were made from the files
    the warehouse holds now (SOURCE_STAMPS says which) is left as it is, and in a snapshot where some
    files changed, the listings of the others are carried over (hard links) instead of being read from
    the warehouse again: a listing shows its own file's rejects only. Returns the CSV files written.
    """
    with connect(warehouse, read_only=True) as con:
        wanted = _snapshots(con) if snapshots is None else [date.fromisoformat(str(s)) for s in snapshots]
        written: list[Path] = []
        root = Path(reports_dir) / QUARANTINE_DIR
        stamps_path = Path(reports_dir) / SOURCE_STAMPS
        stamps = _read_stamps(stamps_path)
        # Listings made by other masking code are not carried over: they would keep its masking.
        masking = fingerprint(text=select_masked_sql())
        for snapshot in wanted:
            key = snapshot.isoformat()
            source = _made_from(con, snapshot)
            before = stamps.get(key, {}) if stamps.get(key, {}).get("masking") == masking else {}
            if only_changed and before.get("files") == source and (root / key).exists():
                continue
            stamps.pop(key, None)
            _write_stamps(stamps_path, stamps)  # a crash below must not leave the old stamp on new listings
            kept = {}
            if only_changed:
                old = before.get("files", {})
                kept = {
                    f: name
                    for f, name in before.get("listings", {}).items()
                    if f in old and old[f] == source.get(f)
                }
            new, listings = _export_snapshot(con, root, snapshot, keep=kept)
            written += new
            stamps[key] = {"files": source, "listings": listings, "masking": masking}
        _write_stamps(stamps_path, stamps)
    return written


def _made_from(con: duckdb.DuckDBPyConnection, snapshot: date) -> dict[str, str]:
    """Which judging of which file each listing of a snapshot shows: per file, its sha256 and the time it
    was judged."""
    rows = con.execute(
        "select regency_code, source_file, sha256, loaded_at::varchar from ingest.files "
        "where snapshot_date = ? order by all",
        [snapshot],
    ).fetchall()
    return {_file_key(regency, source): f"{sha}|{loaded}" for regency, source, sha, loaded in rows}


def _file_key(regency_code: str, source_file: str) -> str:
    return f"{regency_code}|{source_file}"


def _snapshots(con: duckdb.DuckDBPyConnection) -> list[date]:
    rows = con.execute(
        "select snapshot_date from ingest.quarantine union select snapshot_date from ingest.files order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def _read_stamps(path: Path) -> dict[str, dict]:
    try:
        stamps = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    # Stamps of another shape (an older release's) say nothing that can be trusted: write anew.
    return {k: v for k, v in stamps.items() if isinstance(v, dict)} if isinstance(stamps, dict) else {}


def _write_stamps(path: Path, stamps: dict[str, dict]) -> None:
    atomic_write(path, json.dumps(stamps, indent=1, sort_keys=True))


def _export_snapshot(
    con: duckdb.DuckDBPyConnection, root: Path, snapshot: date, *, keep: dict[str, str]
) -> tuple[list[Path], dict[str, str]]:
    """Write a snapshot's listings aside and swap them in; `keep` names files (key -> listing name in
    the current folder) whose listing is still right. Returns the listings written anew, and the
    name of every file's listing."""
    groups = con.execute(
        "select regency_code, source_file from ingest.quarantine where snapshot_date = ? "
        "group by all order by all",
        [snapshot],
    ).fetchall()
    target = root / snapshot.isoformat()
    staging = root / f".staging-{snapshot.isoformat()}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    listings: dict[str, str] = {}
    written: list[Path] = []
    try:
        for regency_code, source_file in groups:
            name = _file_name(regency_code)
            key = _file_key(regency_code, source_file)
            listings[key] = name
            previous = target / keep[key] if key in keep else None
            if previous is not None and previous.is_file():
                os.link(previous, staging / name)
                continue
            where = (
                f"where snapshot_date = date {sql_string(snapshot.isoformat())} "
                f"and regency_code = {sql_string(regency_code)} and source_file = {sql_string(source_file)}"
            )
            con.execute(
                f"copy ({select_masked_sql()}\n{where}\norder by row_number) "
                f"to {sql_string(staging / name)} (format csv, header true)"
            )
            os.chmod(staging / name, _FILE_MODE)
            written.append(target / name)
        _swap_dir(staging, target, keep_empty=bool(listings))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written, listings


def _file_name(regency_code: str) -> str:
    # By the regency alone: a snapshot lands one file per regency, and the office's name for it can
    # hold anything, a NIK or a person's name among it.
    return f"{regency_code.replace('.', '')}.csv"


def _swap_dir(staging: Path, target: Path, *, keep_empty: bool) -> None:
    old = target.parent / f".old-{target.name}-{os.getpid()}"
    if target.exists():
        os.rename(target, old)
    if keep_empty:
        os.rename(staging, target)
    else:
        staging.rmdir()
    shutil.rmtree(old, ignore_errors=True)
