"""Publishing: atomic releases, the PII scan that blocks them, and the masked quarantine export."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.faults import EXIT_CODE
from pipelines.lib.ingest.contract import QUALITY_FLAGS, REJECT_REASONS
from pipelines.lib.publish import (
    PiiFoundError,
    PublishBlockedError,
    PublishError,
    export_quarantine,
    publish_marts,
    scan_for_pii,
)
from pipelines.lib.publish.pii_rules import looks_like_identifier_column
from pipelines.lib.publish.pii_scan import IDENTIFIER_COLUMN, NIK_VALUE
from tests.support.ingest import add_rows, file_row
from tests.support.publish import (
    CODE_LIST,
    KK_A,
    NIK_A,
    NIK_B,
    add_quarantine,
    drop_quarantine,
    make_warehouse,
    plant_identifier_column,
    plant_nik_in_mart,
    run_publish_cli,
    tree_state,
)

VALIDATION = {"success": True, "report": "/reports/validation/run-1/index.html"}
FULL_NIK = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def publish(warehouse: Path, publish_dir: Path, run_id: str, **kwargs) -> dict:
    return publish_marts(
        warehouse, publish_dir, run_id=run_id, code_list_version=CODE_LIST, validation=VALIDATION, **kwargs
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "ktp.duckdb")


def releases_of(publish_dir: Path) -> list[str]:
    root = publish_dir.parent / (publish_dir.name + ".releases")
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_publish_writes_every_mart_as_parquet_and_csv_with_a_manifest(warehouse: Path, tmp_path: Path):
    pub = tmp_path / "published"
    manifest = publish(warehouse, pub, "run-1")

    assert pub.is_symlink()
    assert sorted(p.name for p in pub.iterdir()) == sorted(
        [
            f"{m}.{ext}"
            for m in ("coverage_regency", "ingest_summary", "reject_reasons")
            for ext in ("csv", "parquet")
        ]
        + ["ktp_marts.xlsx", "datapackage.json", "manifest.json"]
    )
    on_disk = json.loads((pub / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert manifest["run_id"] == "run-1"
    assert manifest["code_list_version"] == CODE_LIST
    # the validation as given, and the PII scan's result over every other file and the manifest itself
    *given, pii = manifest["validation"].pop("checks")
    assert manifest["validation"] == VALIDATION and given == []
    assert pii == {
        "check": "pii_scan",
        "blocking": True,
        "passed": True,
        "files_scanned": sorted(p.name for p in pub.iterdir() if p.name != "manifest.json")
        + ["manifest.json"],
    }
    assert manifest["snapshots"] == ["2025-03-31", "2025-06-30"]
    assert manifest["published_at"].endswith("Z")
    expected_rows = {"coverage_regency": 4, "ingest_summary": 4, "reject_reasons": 3}
    assert len(manifest["files"]) == 8
    con = duckdb.connect()
    for entry in manifest["files"]:
        path = pub / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["bytes"] == path.stat().st_size
        if entry["format"] == "xlsx":
            assert (entry["mart"], entry["rows"]) == (None, sum(expected_rows.values()))
            continue
        if entry["format"] == "json":
            assert (entry["file"], entry["mart"], entry["rows"]) == ("datapackage.json", None, None)
            continue
        assert entry["rows"] == expected_rows[entry["mart"]]
        reader = "read_parquet" if entry["format"] == "parquet" else "read_csv"
        assert con.execute(f"select count(*) from {reader}('{path}')").fetchone()[0] == entry["rows"]


def test_files_are_sorted_by_key_and_csv_is_plain_for_excel(warehouse: Path, tmp_path: Path):
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1", marts=["coverage_regency", "reject_reasons"])

    with (pub / "coverage_regency.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "snapshot_date",
        "area_code",
        "area_name",
        "bps_code",
        "wajib_ktp",
        "coverage_pct",
        "pemula_coverage_pct",
        "on_track",
    ]
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("2025-03-31", "65.01"),
        ("2025-03-31", "65.02"),
        ("2025-06-30", "65.01"),
        ("2025-06-30", "65.71"),
    ]
    assert rows[1] == ["2025-03-31", "65.01", "Bulungan, Kab.", "6501", "109001", "79.00", "12.0", "false"]
    assert rows[4][5:] == ["91.25", "0.1234567890123456", "true"]
    assert rows[3][7] == ""  # null stays empty, not the text "NULL"
    # The Parquet file holds the same rows in the same order, with their types.
    parquet = duckdb.connect().execute(f"select * from read_parquet('{pub / 'coverage_regency.parquet'}')")
    assert [str(r[0]) + r[1] for r in parquet.fetchall()] == [r[0] + r[1] for r in rows[1:]]
    with (pub / "reject_reasons.csv").open(encoding="utf-8", newline="") as fh:
        reasons = [r[2] for r in csv.reader(fh)][1:]
    assert reasons == sorted(reasons)
    manifest = json.loads((pub / "manifest.json").read_text(encoding="utf-8"))
    assert {f["mart"] for f in manifest["files"]} == {"coverage_regency", "reject_reasons", None}


def test_each_marts_key_is_the_unique_test_its_dbt_yaml_marks_and_every_mart_is_published():
    """The keys the published files are sorted by and the data package names, as they were when they
    were written out in Python (pipelines/lib/publish/mart_keys.py), now read from the dbt YAML."""
    from pipelines.lib.publish.mart_docs import mart_docs
    from pipelines.lib.publish.marts import PUBLISHED_MARTS, mart_key

    assert {mart: mart_key(mart) for mart in PUBLISHED_MARTS} == {
        "coverage_province": ("snapshot_date", "area_code"),
        "coverage_regency": ("snapshot_date", "area_code"),
        "coverage_district": ("snapshot_date", "area_code"),
        "coverage_village": ("snapshot_date", "area_code"),
        "coverage_age_cohort": ("snapshot_date", "regency_code", "age_cohort", "sex"),
        "pemula_outlook": ("snapshot_date", "regency_code", "district_code", "month_turning_17"),
        "outreach_priority": ("snapshot_date", "priority_rank"),
        "coverage_trend": ("snapshot_date", "area_code"),
        "ingest_summary": ("snapshot_date", "regency_code"),
        "reject_reasons": ("snapshot_date", "regency_code", "reason"),
        "quality_flags": ("snapshot_date", "regency_code", "flag"),
    }
    # The publication order names every mart dbt builds, once.
    assert sorted(PUBLISHED_MARTS) == sorted(mart_docs())
    assert mart_key("not_a_mart") == ()


def test_a_mart_yaml_marking_two_keys_is_refused(tmp_path: Path):
    from pipelines.lib.publish.mart_docs import MartKeyError, _key

    def unique(columns, marked):
        config = {"config": {"meta": {"mart_key": True}}} if marked else {}
        return {"unique_combination_of_columns": {"arguments": {"combination_of_columns": columns}, **config}}

    model = {"name": "m", "data_tests": [unique(["a"], True), unique(["b", "c"], False), "not_null"]}
    assert _key(model, tmp_path / "m.yml") == ("a",)
    model["data_tests"][1] = unique(["b", "c"], True)
    with pytest.raises(MartKeyError, match="marks 2 unique_combination_of_columns tests as its key"):
        _key(model, tmp_path / "m.yml")
    assert _key({"name": "m", "data_tests": [unique(["a"], False)]}, tmp_path / "m.yml") == ()


def test_a_second_publication_is_swapped_in_and_old_releases_are_pruned(tmp_path: Path):
    warehouse = make_warehouse(tmp_path / "ktp.duckdb", version=1)
    pub = tmp_path / "published"
    first = publish(warehouse, pub, "run-1", keep=2)
    make_warehouse(warehouse, version=2)
    second = publish(warehouse, pub, "run-2", keep=2)

    assert os.readlink(pub).endswith(second["release"])
    assert json.loads((pub / "manifest.json").read_text())["run_id"] == "run-2"
    assert releases_of(pub) == [first["release"], second["release"]]
    first_csv = next(f for f in first["files"] if f["file"] == "coverage_regency.csv")
    second_csv = next(f for f in second["files"] if f["file"] == "coverage_regency.csv")
    assert first_csv["sha256"] != second_csv["sha256"]

    third = publish(warehouse, pub, "run-3", keep=2)
    assert releases_of(pub) == [second["release"], third["release"]]
    fourth = publish(warehouse, pub, "run-4", keep=1)
    assert releases_of(pub) == [fourth["release"]]
    assert (
        tree_state(pub)["files"]["manifest.json"]
        == hashlib.sha256((pub / "manifest.json").read_bytes()).hexdigest()
    )


def test_first_publication_adopts_a_real_directory_already_there(warehouse: Path, tmp_path: Path):
    pub = tmp_path / "published"
    pub.mkdir()
    (pub / "coverage_regency.csv").write_text("old,by hand\n", encoding="utf-8")

    manifest = publish(warehouse, pub, "run-1", keep=2)

    assert pub.is_symlink()
    assert os.readlink(pub).endswith(manifest["release"])
    adopted, current = releases_of(pub)
    assert current == manifest["release"]
    assert "pre-existing" in adopted
    old = pub.parent / "published.releases" / adopted / "coverage_regency.csv"
    assert old.read_text(encoding="utf-8") == "old,by hand\n"
    # The adopted directory is the oldest release: the next swaps prune it first.
    publish(warehouse, pub, "run-2", keep=2)
    assert adopted not in releases_of(pub)


def test_publish_dir_given_as_its_resolved_release_still_swaps_the_link(warehouse: Path, tmp_path: Path):
    # Settings resolves symlinks in KTP_PUBLISH_DIR: after one publication it names the release itself.
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1")
    second = publish(warehouse, pub.resolve(), "run-2")
    assert os.readlink(pub).endswith(second["release"])
    assert not any((pub.parent / "published.releases").glob("*/*.releases"))


@pytest.mark.parametrize("fault", ["after_export", "before_swap"])
def test_a_crash_before_the_swap_leaves_the_previous_publication_byte_for_byte(tmp_path: Path, fault: str):
    warehouse = make_warehouse(tmp_path / "ktp.duckdb", version=1)
    pub = tmp_path / "published"
    ok = run_publish_cli(warehouse, pub, "run-1")
    assert ok.returncode == 0, ok.stderr
    before = tree_state(pub)
    make_warehouse(warehouse, version=2)

    crashed = run_publish_cli(warehouse, pub, "run-2", fault=fault)

    assert crashed.returncode == EXIT_CODE, crashed.stderr
    assert tree_state(pub) == before
    # The next run recovers: it publishes and clears what the dead run left behind.
    manifest = publish(warehouse, pub, "run-3")
    assert manifest["run_id"] == "run-3"
    leftovers = [p.name for p in (pub.parent / "published.releases").iterdir() if p.name != ".lock"]
    assert len(leftovers) == 2 and "run-2" not in " ".join(leftovers)


def test_a_crash_after_the_swap_leaves_the_new_publication_whole(tmp_path: Path):
    warehouse = make_warehouse(tmp_path / "ktp.duckdb")
    pub = tmp_path / "published"
    assert run_publish_cli(warehouse, pub, "run-1").returncode == 0
    crashed = run_publish_cli(warehouse, pub, "run-2", fault="after_swap")
    assert crashed.returncode == EXIT_CODE
    manifest = json.loads((pub / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == "run-2"
    for entry in manifest["files"]:
        assert hashlib.sha256((pub / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]


def test_a_planted_nik_blocks_the_publication_and_changes_nothing(warehouse: Path, tmp_path: Path):
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1")
    before = tree_state(pub)
    releases_before = releases_of(pub)
    plant_nik_in_mart(warehouse)

    with pytest.raises(PiiFoundError) as blocked:
        publish(warehouse, pub, "run-2")

    assert tree_state(pub) == before
    assert releases_of(pub) == releases_before
    hits = {(f.file.name, f.column, f.kind) for f in blocked.value.findings}
    assert hits == {
        ("coverage_regency.parquet", "area_name", NIK_VALUE),
        ("coverage_regency.csv", "area_name", NIK_VALUE),
        ("ktp_marts.xlsx", "coverage_regency!area_name", NIK_VALUE),  # its sheet
    }
    assert NIK_A not in str(blocked.value)
    assert "650101******0001" in str(blocked.value)


def test_an_identifier_column_blocks_the_publication_and_changes_nothing(warehouse: Path, tmp_path: Path):
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1")
    before = tree_state(pub)
    plant_identifier_column(warehouse)

    with pytest.raises(PiiFoundError) as blocked:
        publish(warehouse, pub, "run-2")

    assert tree_state(pub) == before
    assert {(f.file.name, f.column, f.kind) for f in blocked.value.findings} == {
        ("outreach_contacts.parquet", "nama", IDENTIFIER_COLUMN),
        ("outreach_contacts.csv", "nama", IDENTIFIER_COLUMN),
        ("ktp_marts.xlsx", "outreach_contacts!nama", IDENTIFIER_COLUMN),
    }


def test_a_blocked_first_run_creates_no_publication(warehouse: Path, tmp_path: Path):
    plant_nik_in_mart(warehouse)
    pub = tmp_path / "published"
    with pytest.raises(PiiFoundError):
        publish(warehouse, pub, "run-1")
    assert not pub.exists() and not pub.is_symlink()
    assert releases_of(pub) == []


def test_failed_validation_or_bad_arguments_change_nothing(warehouse: Path, tmp_path: Path):
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1")
    before = tree_state(pub)
    with pytest.raises(PublishBlockedError):
        publish_marts(
            warehouse, pub, run_id="run-2", code_list_version=CODE_LIST, validation={"success": False}
        )
    with pytest.raises(PublishError, match="not_a_mart"):
        publish(warehouse, pub, "run-3", marts=["coverage_regency", "not_a_mart"])
    with pytest.raises(PublishError, match="warehouse not found"):
        publish(tmp_path / "missing.duckdb", pub, "run-4")
    with pytest.raises(ValueError):
        publish(warehouse, pub, "run-5", keep=0)
    assert tree_state(pub) == before
    assert len(releases_of(pub)) == 1


def test_scan_finds_niks_in_csv_parquet_json_and_other_text(tmp_path: Path):
    con = duckdb.connect()
    con.execute(
        f"""copy (select * from (values
            ('a', {NIK_A}::bigint, {NIK_B}::double, 'x'),
            ('b', 1, 2.5, 'nik:{NIK_B};'),
            ('c', 2, 3.5, 'y')) t(code, as_number, as_float, note))
        to '{tmp_path / "m.parquet"}' (format parquet)"""
    )
    (tmp_path / "m.csv").write_text(f"code,note\na,ok\nb,see {NIK_A}\nc,{NIK_B}\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.json").write_text(json.dumps({"runs": [{"who": int(NIK_A)}, {"who": "x"}]}))
    (tmp_path / "notes.txt").write_text(f"line one\ncall {NIK_B}\n", encoding="utf-8")

    found = {(f.file.name, f.column, f.kind, f.rows, f.example) for f in scan_for_pii(tmp_path)}

    assert found == {
        ("m.parquet", "as_number", NIK_VALUE, 1, "650101******0001"),
        ("m.parquet", "as_float", NIK_VALUE, 1, "650102******0002"),
        ("m.parquet", "note", NIK_VALUE, 1, "650102******0002"),
        ("m.csv", "note", NIK_VALUE, 2, "650101******0001"),
        ("m.json", "$.runs[*].who", NIK_VALUE, 1, "650101******0001"),
        ("notes.txt", "(text)", NIK_VALUE, 1, "650102******0002"),
    }


def test_scan_ignores_digests_fractions_and_longer_digit_runs(tmp_path: Path):
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(3000)]
    # Some of these digests hold a 16-digit run between letters; they must still not count as NIKs.
    assert sum(bool(FULL_NIK.search(d)) for d in digests) >= 5
    rows = "\n".join(f"{d},0.{NIK_A},{NIK_A}7,1{NIK_A}" for d in digests)
    (tmp_path / "ok.csv").write_text("sha256,share,longer,longest\n" + rows + "\n", encoding="utf-8")
    con = duckdb.connect()
    con.execute(
        f"""copy (select sha256(i::varchar) as sha256, ('0.' || '{NIK_A}')::double as share,
                  {NIK_A}7::hugeint as longer
            from range(3000) r(i)) to '{tmp_path / "ok.parquet"}' (format parquet)"""
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps({"files": [{"sha256": d, "name": "x"} for d in digests]})
    )
    assert scan_for_pii(tmp_path) == []


def test_digests_with_embedded_digit_runs_are_not_niks(tmp_path: Path):
    digest = "ab" + NIK_A + "cd" + "e" * 44  # 64 hex characters holding a 16-digit run
    (tmp_path / "d.csv").write_text(f"sha256\n{digest}\n", encoding="utf-8")
    assert scan_for_pii(tmp_path) == []
    (tmp_path / "d.csv").write_text(f"note\nab{NIK_A}cd\n", encoding="utf-8")  # short: not a digest
    assert [f.column for f in scan_for_pii(tmp_path)] == ["note"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "txt"])
def test_a_nik_padded_with_hex_to_look_like_a_digest_is_still_found(tmp_path: Path, fmt):
    """A file name of a NIK and 16 hex characters once passed for a digest (32+ hex characters): only a
    lone run of exactly 64 does, as a sha256 stands."""
    padded = [f"{NIK_A}abcdef0123456789", f"x_{NIK_A}{'ab' * 20}_y", f"{NIK_A}{'c' * 50}"]
    if fmt == "csv":
        (tmp_path / "f.csv").write_text("label\n" + "\n".join(padded) + "\n", encoding="utf-8")
    elif fmt == "parquet":
        duckdb.sql(
            f"copy (select unnest(?) as label) to '{tmp_path / 'f.parquet'}' (format parquet)",
            params=[padded],
        )
    elif fmt == "json":
        (tmp_path / "f.json").write_text(json.dumps({"files": [{"label": v} for v in padded]}))
    else:
        (tmp_path / "f.txt").write_text(" ".join(padded), encoding="utf-8")
    (finding,) = scan_for_pii(tmp_path)
    assert finding.kind == NIK_VALUE and finding.rows >= 1


@pytest.mark.parametrize(
    "name",
    [
        "nik",
        "NIK",
        "no_kk",
        "KK",
        "Nama",
        "name",
        "nama_lgkp",
        "fullName",
        "full_name",
        "tgl_lhr",
        "birth_date",
        "Date of Birth",
        "alamat",
        "address_line",
        "nik_ibu",
        "nomor_kk_baru",
    ],
)
def test_identifier_column_names_are_recognised(name: str):
    assert looks_like_identifier_column(name)


def test_mart_contract_column_names_are_not_identifiers():
    contract = [
        *("snapshot_date", "area_code", "area_name", "parent_code", "population", "wajib_ktp"),
        *("sudah_rekam", "belum_rekam", "sudah_cetak", "coverage_pct", "pemula_wajib", "pemula_rekam"),
        *("pemula_coverage_pct", "zone", "bps_code", "regency_code", "age_cohort", "sex", "district_code"),
        *("month_turning_17", "persons", "recorded_early", "priority_rank", "village_code", "village_name"),
        *("belum_rekam_pemula", "deactivation_risk", "upcoming_pemula_unrecorded", "coverage_change_pts"),
        *("belum_rekam_change", "projected_zero_date", "target_date", "on_track", "source_file", "sha256"),
        *("rows_read", "rows_loaded", "rows_rejected", "duplicates_superseded", "reason", "rows", "flag"),
        *("nama_kecamatan", "nama_desa", *REJECT_REASONS, *QUALITY_FLAGS),
    ]
    assert [c for c in contract if looks_like_identifier_column(c)] == []


def test_validation_outcome_naming_checks_does_not_block_the_manifest(warehouse: Path, tmp_path: Path):
    validation = {
        "success": True,
        "report": "/reports/gx/index.html",
        "checks": [{"name": "persons_suite", "nik_malformed": 0, "nik_region_check": "passed"}],
    }
    manifest = publish_marts(
        warehouse, tmp_path / "pub", run_id="r", code_list_version=CODE_LIST, validation=validation
    )
    *given, pii = manifest["validation"]["checks"]
    assert given == validation["checks"] and pii["check"] == "pii_scan" and pii["passed"] is True
    assert {k: v for k, v in manifest["validation"].items() if k != "checks"} == {
        k: v for k, v in validation.items() if k != "checks"
    }
    # Keys that do name personal data are still caught in JSON.
    (tmp_path / "other").mkdir()
    rows = [{"nama_lgkp": "x"}, {"nik": "x"}, {"nik": "y"}]
    (tmp_path / "other" / "m.json").write_text(json.dumps({"rows": rows}))
    found = sorted((f.column, f.kind, f.rows) for f in scan_for_pii(tmp_path / "other"))
    assert found == [("$.rows[*].nama_lgkp", IDENTIFIER_COLUMN, 1), ("$.rows[*].nik", IDENTIFIER_COLUMN, 2)]


def quarantine_rows() -> list[dict[str, object]]:
    base = {"snapshot_date": "2025-06-30", "source_file": "2025-06-30/6501.csv", "regency_code": "65.01"}
    return [
        {
            **base,
            "row_number": 12,
            "reason": "sex_invalid",
            "nik": NIK_A,
            "no_kk": KK_A,
            "nama_lgkp": "siti  aminah binti h. abdul",
            "jenis_klmin": "X",
            "tgl_lhr": "01-07-1990",
        },
        {
            **base,
            "row_number": 4,
            "reason": "nik_malformed",
            "nik": "650101410790001",
            "no_kk": " " + KK_A + " ",
            "nama_lgkp": "BUDI",
            "tmpt_lhr": f"TARAKAN {NIK_B}",
        },
        {**base, "row_number": 5, "reason": "nik_malformed", "nik": "ABC", "no_kk": None, "nama_lgkp": None},
        {
            **base,
            "row_number": 6,
            "reason": "nik_malformed",
            "nik": NIK_A + "99",
            "no_kk": "",
            "nama_lgkp": NIK_B,
        },
        {
            "snapshot_date": "2025-06-30",
            "source_file": "2025-06-30/6571.xlsx",
            "regency_code": "65.71",
            "row_number": 2,
            "reason": "unknown_area",
            "nik": NIK_B,
            "nama_lgkp": "Ani",
            "no_kel": "9999",
        },
        {
            "snapshot_date": "2025-03-31",
            "source_file": "2025-03-31/6502.csv",
            "regency_code": "65.02",
            "row_number": 1,
            "reason": "wrong_regency",
            "nik": NIK_B,
            "nama_lgkp": "Ani",
        },
    ]


def test_quarantine_export_masks_identifiers_and_keeps_what_auditors_need(tmp_path: Path):
    warehouse = tmp_path / "ktp.duckdb"
    add_quarantine(warehouse, quarantine_rows())
    reports = tmp_path / "reports"

    written = export_quarantine(warehouse, reports)

    assert sorted(str(p.relative_to(reports)) for p in written) == [
        "quarantine/2025-03-31/6502.csv",
        "quarantine/2025-06-30/6501.csv",
        "quarantine/2025-06-30/6571.csv",
    ]
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not FULL_NIK.search(text), path
        for nik in (NIK_A, NIK_B, KK_A):
            assert nik not in text
    assert not [f for f in scan_for_pii(reports) if f.kind == NIK_VALUE]

    with (reports / "quarantine/2025-06-30/6501.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["row_number"] for r in rows] == ["4", "5", "6", "12"]
    by_row = {r["row_number"]: r for r in rows}
    full = by_row["12"]
    assert full["nik_masked"] == "650101******0001"
    assert full["no_kk_masked"] == "650101******0003"
    assert full["nama_lgkp_initials"] == "S.A.B.H.A."
    assert (full["reason"], full["source_file"], full["jenis_klmin"], full["tgl_lhr"]) == (
        "sex_invalid",
        "2025-06-30/6501.csv",
        "X",
        "01-07-1990",
    )
    assert by_row["4"]["nik_masked"] == "650101" + "*" * 9  # 15 digits: first 6 kept
    assert by_row["4"]["no_kk_masked"] == "650101******0003"  # padded 16 digits still recognised
    assert by_row["4"]["tmpt_lhr"] == "TARAKAN 650102******0002"  # a NIK in another field is masked too
    assert by_row["5"]["nik_masked"] == "A**"  # short garbage keeps at most half
    assert by_row["5"]["nama_lgkp_initials"] == ""
    assert by_row["6"]["nik_masked"] == "650101" + "*" * 12  # 18 digits: not a NIK shape, prefix only
    assert by_row["6"]["nama_lgkp_initials"] == ""  # a NIK in the name field leaves no initials
    assert oct((reports / "quarantine/2025-06-30/6501.csv").stat().st_mode & 0o777) == "0o640"


def test_quarantine_export_replaces_stale_reports_of_a_snapshot(tmp_path: Path):
    warehouse = tmp_path / "ktp.duckdb"
    add_quarantine(warehouse, quarantine_rows())
    reports = tmp_path / "reports"
    export_quarantine(warehouse, reports)
    drop_quarantine(warehouse, "65.71")

    written = export_quarantine(warehouse, reports, snapshots=["2025-06-30"])

    assert [p.name for p in written] == ["6501.csv"]
    assert sorted(p.name for p in (reports / "quarantine/2025-06-30").iterdir()) == ["6501.csv"]
    assert (reports / "quarantine/2025-03-31/6502.csv").exists()
    assert [p.name for p in (reports / "quarantine").iterdir() if p.name.startswith(".")] == []


def test_quarantine_export_writes_again_only_the_listings_of_changed_files(tmp_path: Path):
    warehouse = tmp_path / "ktp.duckdb"
    add_quarantine(warehouse, quarantine_rows())
    june = dt.date(2025, 6, 30)
    with duckdb.connect(str(warehouse)) as con:
        add_rows(
            con,
            "files",
            [
                file_row(june, "65.01", "2025-06-30/6501.csv"),
                file_row(june, "65.71", "2025-06-30/6571.xlsx"),
            ],
        )
    reports = tmp_path / "reports"
    assert len(export_quarantine(warehouse, reports, only_changed=True)) == 3
    tarakan = reports / "quarantine/2025-06-30/6571.csv"
    tarakan_before = (tarakan.stat().st_ino, tarakan.read_bytes())
    assert export_quarantine(warehouse, reports, only_changed=True) == []  # nothing changed

    # Bulungan's file is judged again and one of its rejects is gone.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from ingest.judged_rows where regency_code = '65.01' and row_number = 12")
        con.execute(
            "update ingest.files set sha256 = 'changed', loaded_at = loaded_at + interval 1 second "
            "where regency_code = '65.01'"
        )
    written = export_quarantine(warehouse, reports, only_changed=True)

    assert [str(p.relative_to(reports)) for p in written] == ["quarantine/2025-06-30/6501.csv"]
    with (reports / "quarantine/2025-06-30/6501.csv").open(encoding="utf-8", newline="") as fh:
        assert [r["row_number"] for r in csv.DictReader(fh)] == ["4", "5", "6"]
    assert (tarakan.stat().st_ino, tarakan.read_bytes()) == tarakan_before  # carried over, not rewritten
    assert oct(tarakan.stat().st_mode & 0o777) == "0o640"
    # Asked for a snapshot by name, every listing of it is written again.
    assert len(export_quarantine(warehouse, reports, snapshots=["2025-06-30"])) == 2
    # Listings masked by other code (another release) are written again too, not carried over.
    stamps = json.loads((reports / "quarantine.made_from.json").read_text(encoding="utf-8"))
    stamps["2025-06-30"]["masking"] = "older masking code"
    (reports / "quarantine.made_from.json").write_text(json.dumps(stamps), encoding="utf-8")
    assert len(export_quarantine(warehouse, reports, only_changed=True)) == 2


def test_cli_scan_exits_nonzero_on_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from pipelines.cli.publish import main

    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.csv").write_text("area_code,rows\n65.01,3\n", encoding="utf-8")
    (tmp_path / "dirty").mkdir()
    (tmp_path / "dirty" / "a.csv").write_text(f"area_code,nik\n65.01,{NIK_A}\n", encoding="utf-8")
    assert main(["scan", str(tmp_path / "clean")]) == 0
    assert main(["scan", str(tmp_path / "dirty")]) == 1
    out = capsys.readouterr().out
    assert "650101******0001" in out and NIK_A not in out


def test_masking_in_python_gives_what_the_quarantine_sql_gives():
    """Error messages mask values in Python (lib/masking.py), the listings in SQL: the same rules."""
    from pipelines.lib.masking import (
        initials,
        initials_sql,
        mask_identifier,
        mask_identifier_sql,
        mask_nik,
        scrub_digits,
        scrub_digits_sql,
    )

    values = [
        NIK_A,
        f" {KK_A} ",
        "650101410790001",
        NIK_A + "99",
        "ABC",
        "x",
        "",
        "BAHTIAR RAHMAN",
        "  siti   aminah binti  hasan ",
        "O'BRIEN-SMITH 3RD",
        "12 34",
        f"TARAKAN {NIK_B} RT 3",
        "Ñoño Ülker",
    ]
    con = duckdb.connect()
    con.execute("create table v (value varchar)")
    con.executemany("insert into v values (?)", [[v] for v in values])
    rows = con.execute(
        f"select value, {mask_identifier_sql('value')}, {initials_sql('value')}, {scrub_digits_sql('value')} "
        "from v"
    ).fetchall()
    for value, masked, letters, scrubbed in rows:
        assert mask_identifier(value) == masked, value
        assert initials(value) == (letters or ""), value
        assert scrub_digits(value) == scrubbed, value
    # The PII scan's findings quote the NIKs they find as the listings do.
    for nik in (NIK_A, NIK_B, KK_A):
        assert mask_nik(nik) == mask_identifier(nik)
    assert mask_nik("-" + NIK_A) == "-65010*******0001"  # a NIK stored as a negative float


def test_no_csv_cell_can_start_a_formula_and_no_number_changes(warehouse: Path, tmp_path: Path):
    formulas = ['=HYPERLINK("http://x","y")', "+cmd|'/c calc'!A1", "@SUM(1+1)", "-2+3", "\tTAB", "\rCR"]
    with duckdb.connect(str(warehouse)) as con:
        for i, text in enumerate(formulas[:4]):
            con.execute(
                "update marts.coverage_regency set area_name = ?, bps_code = ? "
                "where area_code = ? and snapshot_date = ?",
                [
                    text,
                    formulas[4 + i % 2],
                    ["65.01", "65.02", "65.71", "65.01"][i],
                    ["2025-03-31", "2025-03-31", "2025-06-30", "2025-06-30"][i],
                ],
            )
        con.execute("update marts.coverage_regency set coverage_pct = -1.5 where area_code = '65.02'")
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1", marts=["coverage_regency"])
    with (pub / "coverage_regency.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["area_name"] for r in rows) == sorted("'" + f for f in formulas[:4])
    assert {r["bps_code"] for r in rows} == {"'\tTAB", "'\rCR"}
    assert [r["coverage_pct"] for r in rows if r["area_code"] == "65.02"] == ["-1.50"]  # a number stays one
    parquet = (
        duckdb.connect()
        .execute(f"select area_name from read_parquet('{pub / 'coverage_regency.parquet'}')")
        .fetchall()
    )
    assert sorted(r[0] for r in parquet) == sorted(formulas[:4])  # Parquet keeps the values as they are

    # The auditors' listings: free text as sent, masked identifiers and initials, none a formula.
    quarantine = tmp_path / "q.duckdb"
    base = {"snapshot_date": "2025-06-30", "source_file": "2025-06-30/6501.csv", "regency_code": "65.01"}
    add_quarantine(
        quarantine,
        [
            {**base, "row_number": 1, "reason": "sex_invalid", "nik": "=1+1", "nama_lgkp": "=EVIL",
             "tmpt_lhr": formulas[0], "kwrngrn": formulas[1], "lokasi_rekam": formulas[2], "stat_kwn": "-"},
        ],
    )  # fmt: skip
    (listing,) = export_quarantine(quarantine, tmp_path / "reports")
    with listing.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["tmpt_lhr"], row["kwrngrn"], row["lokasi_rekam"], row["stat_kwn"]) == (
        "'" + formulas[0], "'" + formulas[1], "'" + formulas[2], "'-"
    )  # fmt: skip
    assert row["nik_masked"] == "'=1**" and row["nama_lgkp_initials"] == "E."
    assert row["row_number"] == "1"


def test_the_workbook_writes_formula_like_text_as_text_and_numbers_as_numbers(
    warehouse: Path, tmp_path: Path
):
    import openpyxl

    formula = '=HYPERLINK("http://x","y")'
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.coverage_regency set area_name = ? where area_code = '65.02'", [formula])
    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1")
    book = openpyxl.load_workbook(pub / "ktp_marts.xlsx")
    assert book.sheetnames == ["coverage_regency", "ingest_summary", "reject_reasons"]
    sheet = book["coverage_regency"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    (malinau,) = [r for r in rows if r["area_code"].value == "65.02"]
    # a text cell, shown as it is: no formula (xlsx has no CSV-style quote to strip)
    assert (malinau["area_name"].data_type, malinau["area_name"].value) == ("s", formula)
    assert malinau["bps_code"].value == "6502" and malinau["bps_code"].data_type == "s"  # a code stays text
    assert (malinau["wajib_ktp"].value, malinau["coverage_pct"].value) == (60000, 74.5)
    assert malinau["pemula_coverage_pct"].value == 85.33333333333333  # a double as it is
    assert malinau["snapshot_date"].value.date() == dt.date(2025, 3, 31)
    assert malinau["on_track"].value is False
    assert [r["on_track"].value for r in rows] == [False, False, None, True]  # NULL is an empty cell
    assert sheet.freeze_panes == "A2"


def test_the_same_marts_give_the_same_workbook_and_data_package_bytes(warehouse: Path, tmp_path: Path):
    first = publish(warehouse, tmp_path / "a", "run-1")
    second = publish(warehouse, tmp_path / "b", "run-2")
    assert first["release"] != second["release"]
    same = {f["file"]: f["sha256"] for f in first["files"]}
    assert same == {f["file"]: f["sha256"] for f in second["files"]}
    assert {"ktp_marts.xlsx", "datapackage.json"} <= same.keys()
    make_warehouse(warehouse, version=2)  # other numbers: another version of the package
    third = publish(warehouse, tmp_path / "c", "run-3")
    versions = [json.loads((tmp_path / d / "datapackage.json").read_text())["version"] for d in "abc"]
    assert versions[0] == versions[1] != versions[2] and versions[0].startswith("2025.06.30+")
    assert {f["file"]: f["sha256"] for f in third["files"]}["ktp_marts.xlsx"] != same["ktp_marts.xlsx"]


def test_frictionless_finds_a_file_that_does_not_match_its_data_package(warehouse: Path, tmp_path: Path):
    from frictionless import validate

    pub = tmp_path / "published"
    publish(warehouse, pub, "run-1")
    assert validate(str(pub / "datapackage.json")).valid
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in pub.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    # a regency code that is not a dotted Kemendagri code, and bytes that are not the published ones
    text = (copy / "reject_reasons.csv").read_text(encoding="utf-8").replace("65.01", "6501")
    (copy / "reject_reasons.csv").write_text(text, encoding="utf-8")
    report = validate(str(copy / "datapackage.json"))
    errors = {(t.name, e.type) for t in report.tasks for e in t.errors}
    assert not report.valid
    assert {("reject_reasons", "constraint-error"), ("reject_reasons", "hash-count")} <= errors
    assert {name for name, _ in errors} == {"reject_reasons"}


def test_the_scan_reads_every_sheet_of_a_workbook_numbers_included(tmp_path: Path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "ok"
    book.active.append(["area_code", "rows"])
    book.active.append(["65.01", 12])
    typed = book.create_sheet("typed")
    typed.append(["area_code", "rows", "ratio"])
    typed.append(["65.01", int(NIK_A), 0.1234567890123456])  # a NIK typed in as a number
    listing = book.create_sheet("listing")
    listing.append(["nama", "note"])
    listing.append(["S. A.", f"see {NIK_B}"])
    book.save(tmp_path / "book.xlsx")
    found = sorted((f.column, f.kind, f.rows, f.example) for f in scan_for_pii(tmp_path))
    assert found == [
        ("listing!nama", IDENTIFIER_COLUMN, 1, None),
        ("listing!note", NIK_VALUE, 1, "650102******0002"),
        ("typed!rows", NIK_VALUE, 1, "650101******0001"),
    ]
