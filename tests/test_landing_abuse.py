"""Landing under a careless or hostile office: files that change while they land, and a flood of files
for one regency.

A file that changes while it lands: the rows landed are those of the bytes the recorded sha256 names.
The office's copy job renames a new version over the file, or writes into it, at the worst moment:
right after landing has hashed it. The attack is real (a rename or a write on disk); only its moment is
chosen, by running it as soon as landing's own sha256_of has returned.
"""

from __future__ import annotations

import hashlib
import os

import pyarrow.parquet as pq
import pytest

from pipelines.lib.ingest import landing
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_all
from tests.support.extracts import people, write_csv

S1 = "2026-03-31"


def _after_hashing(monkeypatch, attack) -> None:
    real = landing.sha256_of

    def sha256_then_attack(path):
        digest = real(path)
        attack()
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
    assert messages == {
        "regency 6501 sent more than one file for this snapshot (6501_copy_0000.csv, 6501_copy_0001.csv, "
        "6501_copy_0002.csv, 6501_copy_0003.csv, 6501_copy_0004.csv and 2,995 more)"
    }


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
    assert refused.status == "refused" and refused.source_file == f"{S1}/6501_bulungan.csv"
    assert refused.error == f"not a file but a {kind}: send the extract as a file"
