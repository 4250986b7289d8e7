"""Files as units of work, through the real Dagster jobs: whole-file errors, duplicates, re-runs."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.runs.headless import run_pipeline
from tests.support.dagster import dagster_instance
from tests.support.extracts import Person, people, write_csv

S1 = "2026-03-31"


def _all_regencies(settings, snapshot=S1, n=5):
    for i, code in enumerate(["6501", "6502", "6503", "6504", "6571"]):
        write_csv(
            settings.raw_dir / snapshot / f"{code}_extract.csv", people(code, n, start_serial=100 * i + 1)
        )


def _run(settings):
    # Ingestion and snapshot runs only: the marts and the publication have their own tests.
    with dagster_instance() as instance:
        return run_pipeline(settings, instance, publish=False)


def _query(settings, sql, params=None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def _ingest_problems(outcome):
    return [p for p in outcome.problems if p.stage == "ingest"]


def test_clean_snapshot_loads_every_file(ktp_env):
    _all_regencies(ktp_env)
    outcome = _run(ktp_env)
    assert _ingest_problems(outcome) == []
    assert outcome.files_loaded == 5
    rows = _query(
        ktp_env, "select regency_code, rows_read, rows_loaded, rows_rejected from ingest.files order by 1"
    )
    assert rows == [(c, 5, 5, 0) for c in ["65.01", "65.02", "65.03", "65.04", "65.71"]]


# (name, content, the problem's words, the file's label: what the run says of the name)
WHOLE_FILE_ERRORS = [
    ("bulungan.csv", None, "not a regency file name", "entry-5.csv"),  # after the four 65xx files
    ("6599_unknown.csv", None, "not a regency file name", "entry-5.csv"),
    ("6571_tarakan.csv", b"NIK;NO_KK\r\n\x81\x8d\xff\xfe;1\r\n", "unreadable encoding", "6571.csv"),
    ("6571_tarakan.csv", "missing_column", "required column(s) missing: STATUS_KTP_EL", "6571.csv"),
    ("6571_tarakan.csv", b"", "empty file", "6571.csv"),
    ("6571_tarakan.csv", "header_only", "empty file", "6571.csv"),
    ("6571_tarakan.xlsx", b"NIK;NO_KK\r\nthis is no spreadsheet\r\n", "not a readable XLSX", "6571.xlsx"),
    ("6571_tarakan.csv", "ragged", "malformed CSV: line 5: expected 16 columns, got 17", "6571.csv"),
    ("6571_tarakan.csv", "headerless", "required column(s) missing: NIK, NO_KK, NAMA_LGKP", "6571.csv"),
    ("6571_tarakan.csv", "utf-16", "UTF-16 is not accepted: save the file as UTF-8", "6571.csv"),
    (
        "6571_tarakan.csv",
        "line_break",
        "a field holds a line break (data row 2, column NAMA_LGKP)",
        "6571.csv",
    ),
    ("6571_tarakan.txt", None, "not an accepted format", "6571"),
]


_SENSITIVE_ROWS = people("6571", 4, start_serial=700)


def _write_bad_file(path, content):
    if content is None:
        write_csv(path, people("6571", 3))
    elif content == "missing_column":
        rows = people("6571", 3)
        header = [h for h in rows[0] if h != "STATUS_KTP_EL"]
        write_csv(path, rows, header=header)
    elif content == "header_only":
        write_csv(path, [])
    elif content == "ragged":
        # The fourth row has one field too many: an error quoting it would quote a NIK and a name.
        write_csv(path, _SENSITIVE_ROWS)
        lines = path.read_bytes().split(b"\r\n")
        lines[4] += b";EXTRA"
        path.write_bytes(b"\r\n".join(lines))
    elif content == "line_break":
        rows = people("6571", 3)
        rows[1]["NAMA_LGKP"] = "ANI\nSANTOSO"  # quoted by the writer, as Excel quotes it
        write_csv(path, rows)
    elif content == "utf-16":
        write_csv(path, people("6571", 3))
        path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    elif content == "headerless":
        write_csv(path, _SENSITIVE_ROWS)
        path.write_bytes(path.read_bytes().split(b"\r\n", 1)[1])  # the first line is a person
    else:
        path.write_bytes(content)


@pytest.fixture(scope="module")
def whole_file_errors(tmp_path_factory):
    """Each case is a snapshot of its own: four good files and the bad one, all judged in one run."""
    from tests.support.judging import deployment, judge

    with deployment(tmp_path_factory.mktemp("whole_file_errors")) as settings:
        for i, (name, content, *_) in enumerate(WHOLE_FILE_ERRORS):
            snapshot = f"2025-{i + 1:02d}-28"
            _all_regencies(settings, snapshot)
            (settings.raw_dir / snapshot / "6571_extract.csv").unlink()
            _write_bad_file(settings.raw_dir / snapshot / name, content)
        yield settings, judge(settings)


@pytest.mark.parametrize(
    ("case", "expected", "label"), [(i, e, label) for i, (_, _, e, label) in enumerate(WHOLE_FILE_ERRORS)]
)
def test_whole_file_errors_name_the_file_and_spare_the_others(whole_file_errors, case, expected, label):
    settings, outcome = whole_file_errors
    snapshot = f"2025-{case + 1:02d}-28"
    source = f"{snapshot}/{label}"
    problems = [p for p in _ingest_problems(outcome) if snapshot in p.what or snapshot in p.message]
    assert len(problems) == 1, problems
    assert source in problems[0].message or problems[0].what == source
    assert expected in problems[0].message
    assert outcome.problems  # the run reports failure
    # the four good files loaded; nothing of the bad one entered the warehouse
    loaded = _query(
        settings, "select regency_code from ingest.files where snapshot_date = ? order by 1", [snapshot]
    )
    assert loaded == [("65.01",), ("65.02",), ("65.03",), ("65.04",)]
    assert _query(settings, "select count(*) from ingest.persons where source_file = ?", [source]) == [(0,)]
    assert _query(settings, "select count(*) from ingest.quarantine where source_file = ?", [source]) == [
        (0,)
    ]
    errors = _query(
        settings, "select source_file, error from ingest.file_errors where snapshot_date = ?", [snapshot]
    )
    assert [e[0] for e in errors] == [source]


def test_whole_file_errors_quote_no_identifier_or_name(whole_file_errors):
    """A file without a header and one with a ragged row would be quoted with their NIKs and names; the
    messages say where and what instead, values masked as the quarantine masks them."""
    settings, outcome = whole_file_errors
    secrets = {r[c] for r in _SENSITIVE_ROWS for c in ("NIK", "NO_KK", "NAMA_LGKP")}
    shown = [p.message for p in outcome.problems]
    shown.append((settings.reports_dir / "last_run.json").read_text(encoding="utf-8"))
    shown.append((settings.reports_dir / "last_run.log").read_text(encoding="utf-8"))  # Dagster's events
    shown += [e for (e,) in _query(settings, "select error from ingest.file_errors")]
    shown += [str(r.get("error")) for r in _landing_records(settings)]
    leaked = sorted({s for s in secrets for text in shown if s in text})
    assert leaked == []
    (headerless,) = [m for m in shown[: len(outcome.problems)] if "missing: NIK," in m]
    first = _SENSITIVE_ROWS[0]
    assert f"{first['NIK'][:6]}******{first['NIK'][-4:]}" in headerless  # masked as in the quarantine
    assert "".join(f"{w[0]}." for w in first["NAMA_LGKP"].split()) in headerless  # initials only


def _landing_records(settings):
    import pyarrow.parquet as pq

    return [row for p in settings.landing_dir.rglob("*file.parquet") for row in pq.read_table(p).to_pylist()]


def test_two_files_for_one_regency_load_neither(ktp_env):
    _all_regencies(ktp_env)
    write_csv(ktp_env.raw_dir / S1 / "6571_tarakan_v2.csv", people("6571", 2))
    outcome = _run(ktp_env)
    problems = _ingest_problems(outcome)
    assert len(problems) == 1 and problems[0].message == (
        f"{S1}/6571.csv (1 of 2): regency 6571 sent 2 files for this snapshot: send one"
    )
    assert ("65.71",) not in _query(ktp_env, "select regency_code from ingest.files")


def test_broken_replacement_drops_the_earlier_version(ktp_env):
    _all_regencies(ktp_env)
    assert _ingest_problems(_run(ktp_env)) == []
    (ktp_env.raw_dir / S1 / "6571_extract.csv").write_bytes(b"")
    outcome = _run(ktp_env)
    assert "empty file" in _ingest_problems(outcome)[0].message
    assert _query(ktp_env, "select count(*) from ingest.persons where regency_code = '65.71'") == [(0,)]


def test_duplicates_latest_entry_wins_then_lowest_regency_then_first_row(ktp_env):
    _all_regencies(ktp_env)
    mover = Person(regency4="6501", serial=900)
    # The mover: listed by Bulungan (old entry) and by Tarakan (newer entry) -> Tarakan's row wins.
    bulungan = people("6501", 5) + [mover.row(TGL_ENTRI="01-01-2020")]
    tarakan_row = Person(regency4="6571", serial=900).row(NIK=mover.row()["NIK"], TGL_ENTRI="15-03-2026")
    # A tie on TGL_ENTRI between Malinau and Nunukan -> Malinau (65.02) wins.
    tie = Person(regency4="6502", serial=901)
    malinau = people("6502", 5, start_serial=101) + [tie.row(TGL_ENTRI="02-02-2022")]
    nunukan_row = Person(regency4="6503", serial=901).row(NIK=tie.row()["NIK"], TGL_ENTRI="02-02-2022")
    # A row repeated inside one file -> the first one wins.
    nunukan = people("6503", 5, start_serial=201) + [nunukan_row]
    twice = Person(regency4="6503", serial=902).row()
    nunukan += [twice, dict(twice)]
    write_csv(ktp_env.raw_dir / S1 / "6501_extract.csv", bulungan)
    write_csv(ktp_env.raw_dir / S1 / "6502_extract.csv", malinau)
    write_csv(ktp_env.raw_dir / S1 / "6503_extract.csv", nunukan)
    write_csv(ktp_env.raw_dir / S1 / "6571_extract.csv", people("6571", 5, start_serial=401) + [tarakan_row])

    outcome = _run(ktp_env)
    assert _ingest_problems(outcome) == []
    winners = dict(
        _query(
            ktp_env, "select nik, regency_code || '#' || row_number from ingest.persons where not superseded"
        )
    )
    assert winners[mover.row()["NIK"]] == "65.71#6"
    assert winners[tie.row()["NIK"]] == "65.02#6"
    assert winners[twice["NIK"]] == "65.03#7"
    superseded = dict(_query(ktp_env, "select regency_code, duplicates_superseded from ingest.files"))
    assert superseded == {"65.01": 1, "65.02": 0, "65.03": 2, "65.04": 0, "65.71": 0}
    # one person per NIK; superseded rows are loaded rows, not rejects
    assert _query(
        ktp_env, "select count(*) - count(distinct nik) from ingest.persons where not superseded"
    ) == [(0,)]
    assert _query(
        ktp_env, "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from ingest.files"
    ) == [(31, 31, 0)]


def test_rerun_unchanged_reads_nothing_and_changed_file_replaces_only_itself(ktp_env):
    _all_regencies(ktp_env)
    first = _run(ktp_env)
    assert first.files_loaded == 5
    before = _query(ktp_env, "select regency_code, loaded_at, sha256 from ingest.files order by 1")
    persons_before = _query(
        ktp_env, "select * from ingest.persons where regency_code <> '65.02' order by all"
    )

    second = _run(ktp_env)
    assert (second.files_loaded, second.files_unchanged) == (0, 5)
    assert _query(ktp_env, "select regency_code, loaded_at, sha256 from ingest.files order by 1") == before

    rows = people("6502", 7, start_serial=101)
    rows[0]["JENIS_KLMIN"] = "?"
    write_csv(ktp_env.raw_dir / S1 / "6502_extract.csv", rows)
    third = _run(ktp_env)
    assert (third.files_loaded, third.files_unchanged) == (1, 4)
    after = _query(ktp_env, "select regency_code, loaded_at, sha256 from ingest.files order by 1")
    changed = [a[0] for a, b in zip(after, before, strict=True) if a != b]
    assert changed == ["65.02"]
    assert _query(
        ktp_env, "select rows_read, rows_loaded, rows_rejected from ingest.files where regency_code = '65.02'"
    ) == [(7, 6, 1)]
    assert (
        _query(ktp_env, "select * from ingest.persons where regency_code <> '65.02' order by all")
        == persons_before
    )


def test_removed_file_is_dropped_from_its_snapshot(ktp_env):
    _all_regencies(ktp_env)
    _run(ktp_env)
    landed = ktp_env.landing_dir / f"snapshot_date={S1}" / "regency_code=65.04"
    assert (landed / "file.parquet").exists()
    (ktp_env.raw_dir / S1 / "6504_extract.csv").unlink()
    outcome = _run(ktp_env)
    assert outcome.files_dropped == [f"{S1}/6504.csv"]
    assert not landed.exists()
    assert ("65.04",) not in _query(ktp_env, "select regency_code from ingest.files")
    for table in ("persons", "judged_rows", "file_reject_counts", "file_flag_counts"):
        assert _query(ktp_env, f"select count(*) from ingest.{table} where regency_code = '65.04'") == [(0,)]
    # the other files were not judged again
    assert _query(ktp_env, "select count(distinct judged_at) from ingest.judged_rows") == [(1,)]


def test_two_warehouses_do_not_see_each_other(ktp_env, tmp_path, monkeypatch):
    _all_regencies(ktp_env)
    _run(ktp_env)
    monkeypatch.setenv("KTP_WAREHOUSE", str(tmp_path / "other" / "ktp.duckdb"))
    from pipelines.lib.settings import Settings

    other = Settings.from_env()
    outcome = _run(other)
    assert outcome.files_loaded == 5  # nothing is "already seen" from the first warehouse


def test_a_warehouse_named_like_a_schema_is_refused(tmp_path, monkeypatch):
    from pipelines.lib.settings import Settings

    monkeypatch.setenv("KTP_WAREHOUSE", str(tmp_path / "ingest.duckdb"))
    with pytest.raises(ValueError, match="also a schema"):
        Settings.from_env()


def test_folders_that_are_not_snapshots_are_named_and_a_snapshot_after_today_is_refused(ktp_env):
    import datetime as dt

    from pipelines.lib.ingest.discovery import scan

    _all_regencies(ktp_env)
    for folder in ("2026-02-30", "latest"):
        write_csv(ktp_env.raw_dir / folder / "6501_extract.csv", people("6501", 2))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    _all_regencies(ktp_env, tomorrow)

    inventory = scan(ktp_env.raw_dir)
    assert inventory.ignored == [
        "2026-02-30: not a real date (YYYY-MM-DD), not read",
        # named by place, not by name: a folder's name can be anything, a person's name included
        "folder 4 in name order: not a snapshot date (YYYY-MM-DD), not read",
    ]
    assert [e.snapshot.isoformat() for e in inventory.extracts] == [S1] * 5
    assert len(inventory.rejected) == 5 and all("is after today" in r.problem for r in inventory.rejected)
    # A day later the same folder is an ordinary snapshot.
    later = scan(ktp_env.raw_dir, today=dt.date.today() + dt.timedelta(days=1))
    assert not later.rejected and len(later.extracts) == 10

    outcome = _run(ktp_env)
    assert outcome.folders_ignored == inventory.ignored
    refused = [p for p in _ingest_problems(outcome) if tomorrow in p.what]
    assert len(refused) == 5 and all("cannot lie ahead" in p.message for p in refused)
    assert _query(ktp_env, "select count(*) from ingest.persons where snapshot_date = ?", [tomorrow]) == [
        (0,)
    ]


def test_landed_files_edited_or_cut_short_are_landed_again_not_published(ktp_env):
    """The raw files are the truth: a landed copy edited after it landed (Bulungan all 'BELUM REKAM') or
    cut short (Malinau) is landed again from its raw file, the run says which and why, and the numbers
    published are the raw files' (an up-to-date run must not skip over it either)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.support.incremental import run

    _all_regencies(ktp_env, n=40)
    assert run(ktp_env).published
    coverage = "select area_code, sudah_rekam, belum_rekam from marts.coverage_regency order by 1"
    before = _query(ktp_env, coverage)

    def rows_file(code):
        (path,) = ktp_env.landing_dir.glob(f"snapshot_date={S1}/regency_code={code}/rows-*.parquet")
        return path

    table = pq.read_table(rows_file("65.01"))
    status = table.schema.get_field_index("STATUS_KTP_EL")
    pq.write_table(
        table.set_column(status, "STATUS_KTP_EL", pa.array(["BELUM REKAM"] * 40)), rows_file("65.01")
    )
    malinau = rows_file("65.02").read_bytes()
    rows_file("65.02").write_bytes(malinau[: len(malinau) // 3])

    outcome = run(ktp_env)
    assert outcome.published and not outcome.up_to_date and outcome.files_loaded == 2
    again = sorted((w.what, w.message) for w in outcome.warnings if w.stage == "ingest")
    assert [what for what, _ in again] == [f"{S1}/6501.csv", f"{S1}/6502.csv"]
    assert all("landed again from the raw file" in message for _, message in again)
    assert _query(ktp_env, coverage) == before
