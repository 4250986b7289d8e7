"""Landing: each (snapshot, regency) extract becomes one all-text Parquet file beside the warehouse.

This is the only stage that reads what the offices sent. It decodes the file (CSV in any accepted
encoding and delimiter, or XLSX), applies every whole-file rule of the contract, and writes

    <landing>/snapshot_date=<S>/regency_code=<R>/rows-<sha256[:16]>.parquet   the rows, as text
    <landing>/snapshot_date=<S>/regency_code=<R>/file.parquet                 one bookkeeping row

A refused file gets only `file.parquet`, with `error` set, and its earlier rows are removed. Files
whose name names no regency are recorded under `snapshot_date=<S>/unassigned/`. Nothing here opens
the DuckDB warehouse, so any number of files land at once; dbt judges the rows afterwards.

Every write is a temporary name and a rename. `file.parquet` is written last and names the sha256 of
the rows it belongs to: dbt joins rows to it on sha256, so a crash between the two renames leaves the
previous, consistent pair visible, and the next run lands the file again.

The record also holds, in its Parquet key-value metadata (no column: dbt reads the records of every
version by one glob), the sha256, size and modification time of its rows file. A rows file edited or
truncated after it landed no longer matches, and the next run lands the raw file again and says why
(`intact`): published numbers come from the bytes the office sent, or from nothing.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lib.faults import fault_point
from pipelines.lib.fsio import atomic_path, pinned, sha256_of
from pipelines.lib.ingest.contract import COLUMNS, REGENCIES, dotted_regency
from pipelines.lib.ingest.discovery import Extract, Inventory, RejectedFile, partition_key
from pipelines.lib.ingest.readers import ROW_COLUMN, ExtractError, read_extract

FILE_RECORD = "file.parquet"
UNASSIGNED = "unassigned"
# A zero-row pair of files at a date no snapshot has, so that dbt's globs always match something and
# carry the full schema even before the first file lands or when every file was refused.
ANCHOR_SNAPSHOT = "1900-01-01"
ANCHOR_REGENCY = "00.00"

# Row groups no larger than DuckDB's own (122,880 rows), so a reader can judge one file on every core:
# an XLSX file arrives as one batch, which would otherwise be one row group, read by one thread.
ROW_GROUP_ROWS = 122_880
ROWS_SCHEMA = pa.schema(
    [(c, pa.string()) for c in COLUMNS]
    + [("row_number", pa.int64()), ("source_file", pa.string()), ("sha256", pa.string())]
)
FILE_SCHEMA = pa.schema(
    [
        ("snapshot_date", pa.date32()),
        ("regency_code", pa.string()),  # NULL for a file whose name names no regency
        ("source_file", pa.string()),
        ("sha256", pa.string()),
        ("file_format", pa.string()),
        ("encoding", pa.string()),
        ("delimiter", pa.string()),
        ("size_bytes", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("columns_found", pa.list_(pa.string())),
        ("rows_landed", pa.int64()),
        ("landed_at", pa.timestamp("us")),
        ("run_id", pa.string()),
        ("error", pa.string()),  # NULL when the file landed; the whole-file problem otherwise
    ]
)


# The record's metadata keys for its rows file: ktp.rows_sha256, ktp.rows_size, ktp.rows_mtime_ns.
_ROWS_KEY = "ktp.rows_"


def partition_dir(landing: Path, snapshot: str, regency_code: str) -> Path:
    return landing / f"snapshot_date={snapshot}" / f"regency_code={regency_code}"


@dataclass
class Landed:
    """What landing did with one (snapshot, regency) partition, or one unassigned file."""

    snapshot: str
    regency_code: str | None
    source_file: str
    sha256: str | None
    status: str  # 'landed' | 'unchanged' | 'refused'
    rows: int = 0
    error: str | None = None
    landed_again: str | None = None  # why a file landed before was landed again although unchanged
    seconds: float = 0.0
    details: dict[str, object] = field(default_factory=dict)

    @property
    def partition_key(self) -> str | None:
        if self.regency_code is None:
            return None
        return partition_key(self.snapshot, self.regency_code.replace(".", ""))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _write_table(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def read_record(path: Path) -> dict | None:
    """The record's one row, and under `rows_file` what it says of its rows file (empty if nothing)."""
    try:
        rows = pq.read_table(path, schema=FILE_SCHEMA).to_pylist()
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    if not rows:
        return None
    prefix = _ROWS_KEY.encode()
    rows_file = {k[len(prefix) :].decode(): v.decode() for k, v in metadata.items() if k.startswith(prefix)}
    return {**rows[0], "rows_file": rows_file}


def _readable(path: Path, schema: pa.Schema) -> bool:
    try:
        return pq.read_schema(path).equals(schema, check_metadata=False)
    except (OSError, pa.ArrowException):
        return False


def ensure_layout(landing: Path) -> None:
    # Rewritten when unreadable too: dbt's globs read the anchor, and a damaged one fails every build.
    anchor = partition_dir(landing, ANCHOR_SNAPSHOT, ANCHOR_REGENCY)
    if not _readable(anchor / "rows-anchor.parquet", ROWS_SCHEMA):
        _write_table(ROWS_SCHEMA.empty_table(), anchor / "rows-anchor.parquet")
    if not _readable(anchor / FILE_RECORD, FILE_SCHEMA):
        _write_table(FILE_SCHEMA.empty_table(), anchor / FILE_RECORD)


def rows_path(part: Path, sha256: str) -> Path:
    return part / f"rows-{sha256[:16]}.parquet"


def _with_rows_file(record: pa.Table, rows: Path) -> pa.Table:
    stat = rows.stat()
    facts = {"sha256": sha256_of(rows), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return record.replace_schema_metadata({f"{_ROWS_KEY}{k}": str(v) for k, v in facts.items()})


def intact(part: Path, record: dict) -> str | None:
    """None when the landed rows file is the one its record describes, else what is wrong with it.

    Same size and modification time as recorded count as the same bytes, as for the raw files; only
    otherwise is it hashed. A record without the facts (an older landing) cannot vouch for its rows.
    """
    if record["error"] is not None:
        return None  # a refusal has no rows
    facts = record["rows_file"]
    path = rows_path(part, record["sha256"])
    try:
        stat = path.stat()
    except OSError:
        return "its landed rows file is missing"
    if not {"sha256", "size", "mtime_ns"} <= facts.keys():
        return "its landing recorded no digest of its rows file"
    if (str(stat.st_size), str(stat.st_mtime_ns)) == (facts["size"], facts["mtime_ns"]):
        return None
    if sha256_of(path) == facts["sha256"]:
        return None  # copied or touched, not changed
    return "its landed rows file was changed or cut short after it landed (sha256 differs from its record)"


def _record(
    snapshot: date,
    regency_code: str | None,
    source_file: str,
    *,
    run_id: str | None,
    sha256: str | None = None,
    error: str | None = None,
    stat: os.stat_result | None = None,
    file_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    columns_found: list[str] | None = None,
    rows: int = 0,
) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "snapshot_date": snapshot,
                "regency_code": regency_code,
                "source_file": source_file,
                "sha256": sha256,
                "file_format": file_format,
                "encoding": encoding,
                "delimiter": delimiter,
                "size_bytes": stat.st_size if stat else None,
                "mtime_ns": stat.st_mtime_ns if stat else None,
                "columns_found": columns_found,
                "rows_landed": rows,
                "landed_at": _now(),
                "run_id": run_id,
                "error": error,
            }
        ],
        schema=FILE_SCHEMA,
    )


def _remove_rows(part: Path, keep: str | None = None) -> None:
    for old in part.glob("rows-*.parquet"):
        if old.name != keep:
            old.unlink(missing_ok=True)


def refuse(
    landing: Path,
    snapshot: date,
    regency4: str,
    source_file: str,
    problem: str,
    *,
    run_id: str | None,
    sha256: str | None = None,
    stat: os.stat_result | None = None,
) -> Landed:
    """Record a whole-file problem for a partition and drop its earlier rows.

    Keeping the earlier rows would publish numbers from a file the office has since replaced; without
    them the snapshot lacks that regency, which the snapshot suite reports and which blocks publishing.
    """
    regency = dotted_regency(regency4)
    part = partition_dir(landing, snapshot.isoformat(), regency)
    record = _record(snapshot, regency, source_file, run_id=run_id, sha256=sha256, error=problem, stat=stat)
    _write_table(record, part / FILE_RECORD)
    _remove_rows(part)
    return Landed(snapshot.isoformat(), regency, source_file, sha256, "refused", error=problem)


def landed_sha256(record: dict | None, extract: Extract, stat: os.stat_result) -> str | None:
    """The landed sha256 when the file is the one already landed, else None.

    Size and modification time equal to the landed ones are taken as the same content, as git and
    rsync do, so an unchanged national snapshot is not read again; otherwise the sha256 decides.
    """
    if record is None or record["error"] is not None or record["source_file"] != extract.source_file:
        return None
    if (record["size_bytes"], record["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns):
        return record["sha256"]
    digest = sha256_of(extract.path)
    return digest if digest == record["sha256"] else None


def land_extract(
    landing: Path, extract: Extract, *, run_id: str | None = None, force: bool = False
) -> Landed:
    """Land one regency file; a whole-file problem is recorded (see `refuse`), never raised."""
    started = time.perf_counter()
    snapshot = extract.snapshot.isoformat()
    part = partition_dir(landing, snapshot, extract.regency_code)
    try:
        stat = extract.path.stat()
    except OSError as e:
        return refuse(
            landing,
            extract.snapshot,
            extract.regency4,
            extract.source_file,
            f"cannot read: {_os_reason(e)}",
            run_id=run_id,
        )
    record = read_record(part / FILE_RECORD)
    same = None if force else landed_sha256(record, extract, stat)
    damaged = intact(part, record) if same is not None else None
    if same is not None and damaged is None:
        return Landed(
            snapshot, extract.regency_code, extract.source_file, same, "unchanged", rows=record["rows_landed"]
        )
    # The file is held open from its hash to its last row: one renamed over it meanwhile lands next run,
    # and the rows landed are exactly those of the bytes the recorded sha256 names.
    digest = None
    try:
        with pinned(extract.path) as (held, stat):
            digest = sha256_of(held)
            rows_file = rows_path(part, digest)
            try:
                parsed = read_extract(held, name=extract.path.name)
                rows = _write_rows(parsed, rows_file, extract.source_file, digest)
                if _changed(held, stat):
                    raise ExtractError(
                        "the file changed while it was being landed: it lands on the next run, once it "
                        "has stopped changing"
                    )
            except BaseException:
                rows_file.unlink(missing_ok=True)
                raise
    except (ExtractError, OSError) as e:
        problem = str(e) if isinstance(e, ExtractError) else f"cannot read the file: {_os_reason(e)}"
        return refuse(
            landing,
            extract.snapshot,
            extract.regency4,
            extract.source_file,
            problem,
            run_id=run_id,
            sha256=digest,
            stat=stat,
        )
    record = _record(
        extract.snapshot,
        extract.regency_code,
        extract.source_file,
        run_id=run_id,
        sha256=digest,
        stat=stat,
        file_format=parsed.file_format,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        columns_found=parsed.columns_found,
        rows=rows,
    )
    fault_point("landing_before_record")  # crash tests: the rows are written, their record is not
    _write_table(_with_rows_file(record, rows_file), part / FILE_RECORD)
    _remove_rows(part, keep=rows_file.name)
    return Landed(
        snapshot,
        extract.regency_code,
        extract.source_file,
        digest,
        "landed",
        rows=rows,
        landed_again=damaged,
        seconds=round(time.perf_counter() - started, 3),
        details={
            "format": parsed.file_format,
            "encoding": parsed.encoding or "",
            "delimiter": parsed.delimiter or "",
            "columns_found": len(parsed.columns_found),
        },
    )


def _os_reason(error: OSError) -> str:
    # str(error) quotes the path, and the path holds the office's file name: the reason alone.
    return error.strerror or type(error).__name__


def _changed(held: Path, before: os.stat_result) -> bool:
    """Written to in place while it was read (a rename over it does not touch the file held)."""
    after = held.stat()
    return (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)


def _write_rows(parsed, path: Path, source_file: str, digest: str) -> int:
    """Stream the reader's batches into the Parquet file; refuse a file without data rows."""
    rows = 0
    with atomic_path(path) as tmp:
        with pq.ParquetWriter(tmp, ROWS_SCHEMA, compression="zstd") as writer:
            for batch in parsed.batches():
                n = batch.num_rows
                if not n:
                    continue
                columns = {name: batch.column(name) for name in batch.schema.names}
                arrays = [columns.get(c, pa.nulls(n, pa.string())) for c in COLUMNS]
                arrays += [columns[ROW_COLUMN], pa.repeat(source_file, n), pa.repeat(digest, n)]
                writer.write_batch(
                    pa.RecordBatch.from_arrays(arrays, schema=ROWS_SCHEMA), row_group_size=ROW_GROUP_ROWS
                )
                rows += n
        if rows == 0:
            raise ExtractError("empty file: a header but no data rows")
    return rows


def _unassigned_path(landing: Path, rejected: RejectedFile) -> Path:
    name = quote(rejected.source_file.rpartition("/")[2], safe="") + "." + FILE_RECORD
    return landing / f"snapshot_date={rejected.snapshot.isoformat()}" / UNASSIGNED / name


@dataclass(frozen=True)
class Work:
    """One unit of landing: a partition with its one extract, or with the problems that refuse it."""

    snapshot: date
    regency4: str
    extract: Extract | None
    problems: tuple[RejectedFile, ...] = ()

    @property
    def partition_key(self) -> str:
        return partition_key(self.snapshot.isoformat(), self.regency4)


def plan(inventory: Inventory) -> tuple[list[Work], list[RejectedFile]]:
    """Every partition with a candidate file, and the files that name no regency."""
    work: dict[tuple[date, str], Work] = {
        (e.snapshot, e.regency4): Work(e.snapshot, e.regency4, e) for e in inventory.extracts
    }
    unassigned = []
    for r in inventory.rejected:
        code = r.path.name[:4]
        if code not in REGENCIES:
            unassigned.append(r)
            continue
        old = work.get((r.snapshot, code))
        # e.g. two files claim the regency: neither is landed, the first problem is recorded.
        work[(r.snapshot, code)] = Work(r.snapshot, code, None, (*(old.problems if old else ()), r))
    return [work[k] for k in sorted(work)], unassigned


def land_work(landing: Path, item: Work, *, run_id: str | None = None, force: bool = False) -> Landed:
    if item.extract is not None and not item.problems:
        return land_extract(landing, item.extract, run_id=run_id, force=force)
    if item.problems:
        first = item.problems[0]
        return refuse(landing, item.snapshot, item.regency4, first.source_file, first.problem, run_id=run_id)
    raise ValueError(f"nothing to land for {item.partition_key}")


def record_unassigned(landing: Path, files: Iterable[RejectedFile], *, run_id: str | None) -> list[Landed]:
    out = []
    for r in files:
        path = _unassigned_path(landing, r)
        old = read_record(path)
        if old is None or old["error"] != r.problem:
            _write_table(_record(r.snapshot, None, r.source_file, run_id=run_id, error=r.problem), path)
        out.append(Landed(r.snapshot.isoformat(), None, r.source_file, None, "refused", error=r.problem))
    return out


def forget_missing(landing: Path, inventory: Inventory) -> list[str]:
    """Remove landed partitions and unassigned records whose file left the raw directory.

    Results depend on the raw directory alone: a file that is gone is gone from the warehouse too (dbt
    deletes its rows on the next build). Returns the source files dropped.
    """
    work, unassigned = plan(inventory)
    wanted = {partition_dir(landing, w.snapshot.isoformat(), dotted_regency(w.regency4)) for w in work}
    wanted_unassigned = {_unassigned_path(landing, r) for r in unassigned}
    dropped = []
    for snap_dir in sorted(landing.glob("snapshot_date=*")):
        if snap_dir.name == f"snapshot_date={ANCHOR_SNAPSHOT}":
            continue
        for part in sorted(snap_dir.glob("regency_code=*")):
            if part not in wanted:
                # Labelled from its folder and format: a record landed before labels may hold a name.
                record = read_record(part / FILE_RECORD)
                fmt = record["file_format"] if record else None
                regency = part.name.removeprefix("regency_code=").replace(".", "")
                label = f"{snap_dir.name.removeprefix('snapshot_date=')}/{regency}"
                dropped.append(label + (f".{fmt}" if fmt in ("csv", "xlsx") else ""))
                shutil.rmtree(part, ignore_errors=True)
        for path in sorted((snap_dir / UNASSIGNED).glob("*")):
            if path not in wanted_unassigned:
                path.unlink(missing_ok=True)
        for sub in (snap_dir / UNASSIGNED, snap_dir):
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
    return dropped


def land_all(
    landing: Path,
    inventory: Inventory,
    *,
    run_id: str | None = None,
    workers: int | None = None,
    on_landed: Callable[[Landed], None] | None = None,
) -> tuple[list[Landed], list[str]]:
    """Land every partition of the inventory in parallel; returns what happened and what was dropped.

    Readers and the Parquet writer spend their time in Arrow's C++ code, which releases the GIL, so
    threads give real parallelism without a process start per file. `on_landed` hears of each file as
    it is done, in the order they finish; the results keep the inventory's order.
    """
    ensure_layout(landing)
    dropped = forget_missing(landing, inventory)
    work, unassigned = plan(inventory)
    workers = workers or max(1, min(len(work), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="land") as pool:
        futures = [pool.submit(land_work, landing, w, run_id=run_id) for w in work]
        for future in as_completed(futures):
            if on_landed is not None:
                on_landed(future.result())
        results = [f.result() for f in futures]
    refused = record_unassigned(landing, unassigned, run_id=run_id)
    if on_landed is not None:
        for result in refused:
            on_landed(result)
    return results + refused, dropped
