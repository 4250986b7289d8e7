"""Landing under a careless or hostile office: files that change while they land, a flood of files for
one regency, and landed files edited or damaged after they landed.

A file that changes while it lands: the rows landed are those of the bytes the recorded sha256 names.
The office's copy job renames a new version over the file, or writes into it, at the worst moment:
right after landing has hashed it. The attack is real (a rename or a write on disk); only its moment is
chosen, by running it as soon as landing's own sha256_of has returned.
"""

from __future__ import annotations

import hashlib
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.lib.ingest import landing
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_all
from tests.support.extracts import people, write_csv

S1 = "2026-03-31"


def _after_hashing(monkeypatch, attack) -> None:
    """The attack runs once, right after the extract is hashed (landing hashes its rows file later)."""
    real = landing.sha256_of
    pending = [attack]

    def sha256_then_attack(path):
        digest = real(path)
        while pending:
            pending.pop()()
        return digest

    monkeypatch.setattr(landing, "sha256_of", sha256_then_attack)


def _landed_rows(landing_dir, digest: str) -> int:
    (rows,) = landing_dir.glob(f"snapshot_date={S1}/regency_code=65.01/rows-{digest[:16]}.parquet")
    table = pq.read_table(rows, columns=["sha256"])
    assert set(table.column("sha256").to_pylist()) == {digest}
    return table.num_rows


def test_a_file_renamed_over_the_extract_after_hashing_changes_nothing_landed(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    extract = write_csv(raw / S1 / "6501_bulungan.csv", people("6501", 30))
    old_sha = hashlib.sha256(extract.read_bytes()).hexdigest()
    newer = write_csv(tmp_path / "incoming.csv", people("6501", 10, start_serial=500))

    _after_hashing(monkeypatch, lambda: os.replace(newer, extract))
    (result,), _ = land_all(tmp_path / "landing", scan(raw))

    # What was hashed is what landed: the 30 people of the old bytes, under their sha256.
    assert result.status == "landed" and result.sha256 == old_sha and result.rows == 30
    assert _landed_rows(tmp_path / "landing", old_sha) == 30

    # The new version is different bytes: the next run lands it, not "nothing changed".
    monkeypatch.undo()
    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "landed" and again.rows == 10
    assert again.sha256 == hashlib.sha256(extract.read_bytes()).hexdigest()


def test_a_file_written_into_while_it_lands_is_refused_until_it_stops_changing(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    extract = write_csv(raw / S1 / "6501_bulungan.csv", people("6501", 30))
    more = b"".join(line + b"\n" for line in extract.read_bytes().splitlines()[1:4])

    def append() -> None:
        with extract.open("ab") as fh:  # the same file, written in place: the copy job is not done
            fh.write(more)
        stat = extract.stat()
        os.utime(extract, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    _after_hashing(monkeypatch, append)
    (result,), _ = land_all(tmp_path / "landing", scan(raw))
    assert result.status == "refused"
    assert result.error == (
        "the file changed while it was being landed: it lands on the next run, once it has stopped changing"
    )
    assert not list((tmp_path / "landing").glob(f"snapshot_date={S1}/regency_code=65.01/rows-*.parquet"))

    monkeypatch.undo()
    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "landed" and again.rows == 33


@pytest.mark.parametrize("suffix", [".CSV", ".csv"])
def test_the_format_comes_from_the_files_name_not_the_path_it_is_read_through(tmp_path, suffix):
    raw = tmp_path / "raw"
    write_csv(raw / S1 / f"6501_bulungan{suffix}", people("6501", 5))
    (result,), _ = land_all(tmp_path / "landing", scan(raw))
    assert result.status == "landed" and result.details["format"] == "csv"


def test_thousands_of_files_for_one_regency_are_refused_in_lines_that_do_not_grow(tmp_path):
    raw = tmp_path / "raw" / S1
    raw.mkdir(parents=True)
    for i in range(3_000):
        (raw / f"6501_copy_{i:04d}.csv").write_bytes(b"NIK;NAMA_LGKP\n")
    inventory = scan(tmp_path / "raw")
    assert inventory.extracts == [] and len(inventory.rejected) == 3_000
    messages = {r.problem for r in inventory.rejected}
    assert messages == {"regency 6501 sent 3,000 files for this snapshot: send one"}
    # Each is told apart by its rank, not by the name the office gave it.
    labels = [r.source_file for r in inventory.rejected]
    assert labels[0] == f"{S1}/6501.csv (1 of 3,000)" and labels[-1] == f"{S1}/6501.csv (3,000 of 3,000)"


@pytest.mark.parametrize("kind", ["folder", "named pipe"])
def test_something_not_a_file_named_like_an_extract_is_said_for_what_it_is(tmp_path, kind):
    raw = tmp_path / "raw"
    extract = write_csv(raw / S1 / "6501_bulungan.csv", people("6501", 5))
    (first,), _ = land_all(tmp_path / "landing", scan(raw))
    assert first.status == "landed"

    extract.unlink()
    if kind == "folder":
        extract.mkdir()
    else:
        os.mkfifo(extract)
    (archive := raw / S1 / "6501_archive").mkdir()  # a folder not named like an extract: left alone
    (archive / "old.csv").write_text("x", encoding="utf-8")
    results, dropped = land_all(tmp_path / "landing", scan(raw))
    assert dropped == []  # not "no longer in raw"
    (refused,) = results
    assert refused.status == "refused" and refused.source_file == f"{S1}/6501.csv"
    assert refused.error == f"not a file but a {kind}: send the extract as a file"


# A landed file that no longer matches its record: edited, cut short, or its record damaged. The raw
# file is intact, so landing lands it again from there and says why; numbers never come from the edit.


def _landed_once(tmp_path, n=30):
    raw = tmp_path / "raw"
    write_csv(raw / S1 / "6501_bulungan.csv", people("6501", n))
    (first,), _ = land_all(tmp_path / "landing", scan(raw))
    assert first.status == "landed"
    part = tmp_path / "landing" / f"snapshot_date={S1}" / "regency_code=65.01"
    return raw, part, part / f"rows-{first.sha256[:16]}.parquet"


def test_a_landed_rows_file_edited_after_landing_is_landed_again_from_the_raw_file(tmp_path):
    raw, part, rows = _landed_once(tmp_path)
    table = pq.read_table(rows)
    edited = table.set_column(
        table.schema.get_field_index("STATUS_KTP_EL"), "STATUS_KTP_EL", pa.array(["BELUM REKAM"] * 30)
    )
    pq.write_table(edited, rows)

    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "landed" and again.rows == 30
    assert "changed or cut short after it landed" in again.landed_again
    assert set(pq.read_table(rows, columns=["STATUS_KTP_EL"]).column(0).to_pylist()) == {"CARD ISSUED"}
    # and once landed again it is trusted as it is
    (third,), _ = land_all(tmp_path / "landing", scan(raw))
    assert third.status == "unchanged" and third.landed_again is None


def test_a_landed_rows_file_cut_short_is_landed_again(tmp_path):
    raw, part, rows = _landed_once(tmp_path)
    data = rows.read_bytes()
    rows.write_bytes(data[: len(data) // 2])
    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "landed" and again.rows == 30 and again.landed_again
    assert pq.read_table(rows).num_rows == 30


def test_a_landed_rows_file_only_touched_or_copied_is_not_read_again(tmp_path):
    raw, part, rows = _landed_once(tmp_path)
    before = rows.read_bytes()
    rows.unlink()
    rows.write_bytes(before)  # same bytes, new inode and modification time
    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "unchanged" and again.landed_again is None


def test_a_damaged_record_or_anchor_is_written_again(tmp_path):
    raw, part, rows = _landed_once(tmp_path)
    record = part / "file.parquet"
    record.write_bytes(record.read_bytes()[:40])
    anchor = tmp_path / "landing" / "snapshot_date=1900-01-01" / "regency_code=00.00" / "file.parquet"
    anchor.write_bytes(b"PAR1")
    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "landed" and again.rows == 30
    assert pq.read_table(record).num_rows == 1 and pq.read_table(anchor).num_rows == 0


def test_a_landed_rows_file_that_is_gone_is_landed_again(tmp_path):
    raw, part, rows = _landed_once(tmp_path)
    rows.unlink()
    (again,), _ = land_all(tmp_path / "landing", scan(raw))
    assert again.status == "landed" and again.landed_again == "its landed rows file is missing"
