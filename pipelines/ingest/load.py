"""Moving one extract into the warehouse, and resolving duplicate NIKs across a snapshot's files.

A file is a unit of work: its rows, quarantine and bookkeeping are replaced together in one
transaction, so a failed load leaves the previous state of that file, and nothing else is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

from pipelines.ingest.contract import COLUMNS, QUALITY_FLAGS, REJECT_REASONS
from pipelines.ingest.discovery import Extract
from pipelines.ingest.readers import ExtractError, read_extract, sha256_of
from pipelines.ingest.rules import REF_VILLAGES_SQL, staging_sql
from pipelines.settings import SEEDS_DIR
from pipelines.warehouse import ensure_schema

_FILE_TABLES = (
    "ingest.persons",
    "ingest.quarantine",
    "ingest.files",
    "ingest.file_reject_counts",
    "ingest.file_flag_counts",
)


@dataclass
class FileLoad:
    """What happened to one file; `skipped` when its sha256 was already loaded."""

    source_file: str
    sha256: str
    skipped: bool
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reject_counts: dict[str, int] = field(default_factory=dict)
    flag_counts: dict[str, int] = field(default_factory=dict)
    file_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def loaded_sha256(conn: duckdb.DuckDBPyConnection, snapshot: date, regency_code: str) -> str | None:
    row = conn.execute(
        "select sha256 from ingest.files where snapshot_date = ? and regency_code = ?",
        [snapshot, regency_code],
    ).fetchone()
    return row[0] if row else None


def load_extract(
    conn: duckdb.DuckDBPyConnection, extract: Extract, *, run_id: str | None = None, force: bool = False
) -> FileLoad:
    """Load one regency file; raises ExtractError (after recording it) for whole-file problems."""
    ensure_schema(conn)
    digest = sha256_of(extract.path)
    if not force and loaded_sha256(conn, extract.snapshot, extract.regency_code) == digest:
        _clear_error(conn, extract.source_file)
        return FileLoad(extract.source_file, digest, skipped=True)
    try:
        parsed = read_extract(extract.path)
    except ExtractError as e:
        record_file_error(conn, extract, str(e), run_id=run_id)
        raise
    except OSError as e:
        record_file_error(conn, extract, f"cannot read the file: {e}", run_id=run_id)
        raise ExtractError(f"cannot read the file: {e}") from e

    conn.execute(REF_VILLAGES_SQL, {"path": str(SEEDS_DIR / "kemendagri_wilayah.csv")})
    # The file streams into a temp table first (DuckDB holds it within its memory limit, spilling if
    # need be); the rules statement then scans it in parallel, which it cannot do on a Python stream.
    conn.register("extract_stream", parsed.batches())
    try:
        conn.execute("create or replace temp table extract_raw as select * from extract_stream")
        conn.execute(
            staging_sql(set(parsed.columns)),
            {
                "snapshot": extract.snapshot,
                "regency": extract.regency_code,
                "kab": int(extract.regency4[2:]),
            },
        )
    except duckdb.Error as e:
        if not parsed.stream_error:
            raise
        record_file_error(conn, extract, str(parsed.stream_error[0]), run_id=run_id)
        raise parsed.stream_error[0] from e
    finally:
        conn.unregister("extract_stream")
        conn.execute("drop table if exists extract_raw")
    rows_read = conn.execute("select count(*) from staged").fetchone()[0]
    if rows_read == 0:
        conn.execute("drop table if exists staged")
        problem = ExtractError("empty file: a header but no data rows")
        record_file_error(conn, extract, str(problem), run_id=run_id)
        raise problem

    key = [extract.snapshot, extract.regency_code]
    conn.execute("begin transaction")
    try:
        _forget_file(conn, extract.snapshot, extract.regency_code)
        file_params = {
            "snapshot": extract.snapshot,
            "regency": extract.regency_code,
            "source_file": extract.source_file,
        }
        # INSERT returns how many rows it wrote: the accounting below counts what reached the tables.
        (rows_loaded,) = conn.execute(
            """
            insert into ingest.persons
            select $snapshot, $regency, $source_file, _row, nik, no_kk, full_name, sex, birth_place,
                   birth_date, marital_status, citizenship, '65', $regency, district_code, village_code,
                   ktp_status, recorded_date, entry_date, record_location,
                   flag_nik_issued_outside_kaltara, flag_nik_birth_date_mismatch, flag_nik_sex_mismatch,
                   false
            from staged where reason is null
            """,
            file_params,
        ).fetchone()
        raw_cols = ", ".join(f"raw_{c.lower()}" for c in COLUMNS)
        (rows_rejected,) = conn.execute(
            f"""
            insert into ingest.quarantine
            select $snapshot, $regency, $source_file, _row, reason, {raw_cols}
            from staged where reason is not null order by _row
            """,
            file_params,
        ).fetchone()
        # Reasons and flags in one pass over `staged` (flags are only ever set on kept rows).
        by_reason = conn.execute(
            "select reason, count(*), "
            + ", ".join(f"count(*) filter (where flag_{f})" for f in QUALITY_FLAGS)
            + " from staged group by reason"
        ).fetchall()
        reasons = {r[0]: r[1] for r in by_reason if r[0] is not None}
        flags = {f: sum(r[2 + i] for r in by_reason) for i, f in enumerate(QUALITY_FLAGS)}
        if (
            rows_loaded + rows_rejected != rows_read or sum(reasons.values()) != rows_rejected
        ):  # the accounting promise: no row disappears
            raise RuntimeError(
                f"{extract.source_file}: read {rows_read} rows but "
                f"loaded {rows_loaded} + rejected {rows_rejected}"
            )
        conn.execute(
            "insert into ingest.files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            [
                extract.snapshot,
                extract.regency_code,
                extract.source_file,
                parsed.file_format,
                parsed.encoding,
                parsed.delimiter,
                digest,
                extract.path.stat().st_size,
                parsed.columns_found,
                rows_read,
                rows_loaded,
                rows_rejected,
                _now(),
                run_id,
            ],
        )
        conn.executemany(
            "insert into ingest.file_reject_counts values (?, ?, ?, ?)",
            [key + [r, reasons.get(r, 0)] for r in REJECT_REASONS],
        )
        conn.executemany(
            "insert into ingest.file_flag_counts values (?, ?, ?, ?)",
            [key + [f, flags[f]] for f in QUALITY_FLAGS],
        )
        conn.execute(
            "delete from ingest.file_errors "
            "where (snapshot_date = ? and regency_code = ?) or source_file = ?",
            key + [extract.source_file],
        )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    finally:
        conn.execute("drop table if exists staged")
    return FileLoad(
        extract.source_file,
        digest,
        skipped=False,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_rejected=rows_rejected,
        reject_counts={r: reasons.get(r, 0) for r in REJECT_REASONS},
        flag_counts=flags,
        file_format=parsed.file_format,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
    )


def _forget_file(conn: duckdb.DuckDBPyConnection, snapshot: date, regency_code: str) -> None:
    """Everything one (snapshot, regency) file put in the warehouse; the caller holds the transaction."""
    for table in _FILE_TABLES:
        conn.execute(
            f"delete from {table} where snapshot_date = ? and regency_code = ?", [snapshot, regency_code]
        )


def _clear_error(conn: duckdb.DuckDBPyConnection, source_file: str) -> None:
    conn.execute("delete from ingest.file_errors where source_file = ?", [source_file])


def record_file_error(
    conn: duckdb.DuckDBPyConnection,
    extract: Extract,
    message: str,
    *,
    run_id: str | None = None,
) -> None:
    """Remember a whole-file problem, and drop whatever an earlier version of that file had loaded.

    Keeping the earlier rows would publish numbers from a file the office has since replaced; without
    them the snapshot lacks that regency, which the snapshot suite reports and which blocks publishing.
    """
    ensure_schema(conn)
    conn.execute("begin transaction")
    try:
        _forget_file(conn, extract.snapshot, extract.regency_code)
        record_error(conn, extract.snapshot, extract.regency_code, extract.source_file, message, run_id)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def record_error(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date | None,
    regency_code: str | None,
    source_file: str,
    message: str,
    run_id: str | None,
) -> None:
    conn.execute(
        "insert or replace into ingest.file_errors values (?, ?, ?, ?, ?, ?)",
        [snapshot, regency_code, source_file, message, _now(), run_id],
    )


def resolve_duplicates(conn: duckdb.DuckDBPyConnection, snapshot: date) -> dict[str, int]:
    """One person per NIK per snapshot: the latest TGL_ENTRI wins; on a tie the lowest regency code,
    then the first row. Returns duplicates superseded per regency file."""
    ensure_schema(conn)
    conn.execute("begin transaction")
    try:
        conn.execute(
            """
            update ingest.persons as p
            set superseded = r.loses
            from (
                select regency_code, row_number,
                       row_number() over (
                           partition by nik
                           order by entry_date desc nulls last, regency_code, row_number
                       ) > 1 as loses
                from ingest.persons
                where snapshot_date = $snapshot
            ) as r
            where p.snapshot_date = $snapshot
              and p.regency_code = r.regency_code
              and p.row_number = r.row_number
              and p.superseded <> r.loses
            """,
            {"snapshot": snapshot},
        )
        conn.execute(
            """
            update ingest.files as f
            set duplicates_superseded = coalesce(s.n, 0)
            from (
                select f2.regency_code, count(p.nik) as n
                from ingest.files f2
                left join ingest.persons p
                  on p.snapshot_date = f2.snapshot_date and p.regency_code = f2.regency_code
                 and p.superseded
                where f2.snapshot_date = $snapshot
                group by 1
            ) as s
            where f.snapshot_date = $snapshot and f.regency_code = s.regency_code
            """,
            {"snapshot": snapshot},
        )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return dict(
        conn.execute(
            "select regency_code, duplicates_superseded from ingest.files where snapshot_date = ? order by 1",
            [snapshot],
        ).fetchall()
    )


def forget_missing_files(conn: duckdb.DuckDBPyConnection, snapshot: date, present: set[str]) -> list[str]:
    """Drop files of a snapshot that are no longer in the raw directory: results depend on it alone."""
    ensure_schema(conn)
    gone = [
        r[0]
        for r in conn.execute(
            "select regency_code from ingest.files where snapshot_date = ? order by 1", [snapshot]
        ).fetchall()
        if r[0] not in present
    ]
    if gone:
        conn.execute("begin transaction")
        try:
            for regency in gone:
                for table in _FILE_TABLES:
                    conn.execute(
                        f"delete from {table} where snapshot_date = ? and regency_code = ?",
                        [snapshot, regency],
                    )
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
    return gone
