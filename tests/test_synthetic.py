"""The synthetic-extract generator: reproducible, its answer key true to the files, realistic enough."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipelines.lib.ingest import contract
from pipelines.lib.settings import REPO_ROOT
from tests.support import synthetic as rd
from tools.synthetic import KEY_FILE, generate
from tools.synthetic.__main__ import main as synthetic_cli

SNAPSHOTS = ["2026-03-31", "2026-09-30"]
SCALE = 0.01  # ~7,700 residents per snapshot, every file still above 300 rows


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synthetic")
    key = generate(out, scale=SCALE, snapshots=SNAPSHOTS, seed=11)
    return out, key


@pytest.fixture(scope="module")
def reread(sample) -> dict[str, dict[str, rd.FileCount]]:
    out, key = sample
    counts = {}
    for snap, s in key["snapshots"].items():
        cutoff = dt.date.fromisoformat(snap)
        counts[snap] = {
            code: rd.count_file(rd.read_any(out / f["file"]), code, cutoff) for code, f in s["files"].items()
        }
    return counts


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = _files_after(generate, tmp_path / "a", seed=3)
    b = _files_after(generate, tmp_path / "b", seed=3)
    c = _files_after(generate, tmp_path / "c", seed=4)
    assert a == b
    assert len(a) == 2 * 5 + 1
    assert a.keys() == c.keys()
    assert all(a[k] != c[k] for k in a if k != KEY_FILE)


def _files_after(gen, out: Path, seed: int) -> dict[str, bytes]:
    gen(out, scale=0.004, snapshots=SNAPSHOTS, seed=seed)
    return _files(out)


def test_layout_and_key_header(sample):
    out, key = sample
    assert sorted(p.name for p in out.iterdir()) == [*SNAPSHOTS, KEY_FILE]
    for snap in SNAPSHOTS:
        assert sorted(p.name for p in (out / snap).iterdir()) == [
            "6501_bulungan.csv",
            "6502_malinau.csv",
            "6503_nunukan.csv",
            "6504_tana_tidung.xlsx",
            "6571_kota_tarakan.csv",
        ]
    on_disk = json.loads((out / KEY_FILE).read_text(encoding="utf-8"))
    assert on_disk == key
    assert (key["seed"], key["scale"], list(key["snapshots"])) == (11, SCALE, SNAPSHOTS)


def test_answer_key_agrees_with_an_independent_reading(sample, reread):
    out, key = sample
    for snap, s in key["snapshots"].items():
        counts = reread[snap]
        for code, f in s["files"].items():
            c = counts[code]
            where = f"{snap} {code}"
            assert f["rows_written"] == c.rows, where
            assert f["rejects"] == c.rejects, where
            assert f["rows_rejected"] == sum(c.rejects.values()), where
            assert f["rows_valid"] == len(c.valid), where
            assert f["flags"] == c.flags, where
            assert f["exact_duplicate_rows"] == c.exact_duplicates, where
            assert f["columns"] == rd.read_any(out / f["file"]).header, where
        best = rd.winners(counts)
        assert s["distinct_valid_persons"] == len(best)
        for code, f in s["files"].items():
            won = sum(1 for _, regency, _ in best.values() if regency == code)
            assert f["winning"]["persons"] == won
            assert f["duplicates_superseded"] == len(counts[code].valid) - won
        regencies = {}
        for code, c in counts.items():
            for nik, *_ in c.valid:
                regencies.setdefault(nik, set()).add(code)
        assert s["movers"] == sum(1 for r in regencies.values() if len(r) > 1)


def test_every_reason_and_flag_planted_in_every_file_but_few(sample):
    _, key = sample
    for s in key["snapshots"].values():
        assert s["movers"] >= 1
        for f in s["files"].values():
            assert min(f["rejects"].values()) >= 1, f["file"]
            assert min(f["flags"].values()) >= 1, f["file"]
            assert f["exact_duplicate_rows"] >= 1, f["file"]
            assert f["rows_rejected"] / f["rows_written"] < 0.04, f["file"]


def test_each_regency_file_has_its_quirks(sample):
    out, key = sample
    files = key["snapshots"][SNAPSHOTS[0]]["files"]
    raw = {code: (out / f["file"]).read_bytes() for code, f in files.items()}
    read = {code: rd.read_any(out / f["file"]) for code, f in files.items()}
    valid = {
        code: [r for r in read[code].rows if rd.reject_reason(r, code, dt.date(2026, 3, 31)) is None]
        for code in read
    }

    # 6501 Bulungan: Windows-1252, ';', CRLF, zero-padded codes, sex and marital status as codes.
    b = read["6501"]
    assert (b.encoding, b.delimiter) == ("cp1252", ";")
    assert raw["6501"].count(b"\r\n") == len(b.rows) + 1
    assert any(ord(ch) > 127 for r in b.rows for ch in r["NAMA_LGKP"])
    assert {r["NO_KAB"] for r in valid["6501"]} == {"01"} and all(
        len(r["NO_KEC"]) == 2 for r in valid["6501"]
    )
    assert {r["JENIS_KLMIN"] for r in valid["6501"]} == {"1", "2"}
    assert {r["STAT_KWN"] for r in valid["6501"]} <= {"1", "2", "3", "4"}
    assert any("E+15" in r["NIK"] for r in b.rows)

    # 6502 Malinau: UTF-8 with BOM, lower-case padded header, words, statuses with underscores, DD/MM/YYYY.
    m = read["6502"]
    assert raw["6502"].startswith(b"\xef\xbb\xbf") and m.delimiter == ","
    assert m.header[0] == " nik " and "TMPT_LHR" not in m.rows[0] and "LOKASI_REKAM" not in m.rows[0]
    assert {r["JENIS_KLMIN"] for r in valid["6502"]} == {"LAKI-LAKI", "PEREMPUAN"}
    assert {"KAWIN TERCATAT", "KAWIN BELUM TERCATAT"} <= {r["STAT_KWN"] for r in valid["6502"]}
    assert any("_" in r["STATUS_KTP_EL"] for r in valid["6502"])
    assert all(r["TGL_LHR"][2] == "/" for r in valid["6502"])
    assert {r["NO_KAB"] for r in valid["6502"]} == {"2"}
    assert any(r["NAMA_LGKP"] != r["NAMA_LGKP"].upper() for r in m.rows)

    # 6503 Nunukan: every field quoted, own column order, mixed-case header, ISO dates, lower-case status.
    n = read["6503"]
    first_data_line = raw["6503"].decode("utf-8").split("\n")[1]
    assert first_data_line.startswith('"') and first_data_line.count('"') == 2 * len(n.header)
    assert n.header[:3] == ["No_Kk", "Nik", "Nama_Lgkp"] and {"Agama", "Pekerjaan"} <= set(n.header)
    assert all(r["TGL_LHR"][4] == "-" for r in valid["6503"])
    assert all(r["STATUS_KTP_EL"] == r["STATUS_KTP_EL"].lower() for r in valid["6503"])
    assert {r["JENIS_KLMIN"] for r in valid["6503"]} == {"L", "P"}

    # 6504 Tana Tidung: XLSX, date cells for birth and entry dates, NIK and NO_KK as text cells.
    ws = openpyxl.load_workbook(out / files["6504"]["file"], read_only=True).worksheets[0]
    header, *rows = list(ws.iter_rows(values_only=True))
    assert list(header) == list(read["6504"].header)
    col = {h: i for i, h in enumerate(header)}
    good = [r for r in rows if isinstance(r[col["TGL_LHR"]], dt.datetime)]
    assert len(good) > 0.95 * len(rows)
    assert all(isinstance(r[col["TGL_ENTRI"]], dt.datetime) for r in rows)
    assert all(isinstance(r[col["NIK"]], str) and isinstance(r[col["NO_KK"]], str) for r in rows)

    # 6571 Kota Tarakan: stray spaces in the header, CRLF, title-case status, ISO entry dates, extra column.
    t = read["6571"]
    assert t.header[0] == " NIK" and "NAMA_LGKP " in t.header and t.header[-1] == "KET"
    assert "TGL_REKAM" not in t.rows[0]
    assert raw["6571"].count(b"\r\n") == len(t.rows) + 1
    assert any(r["STATUS_KTP_EL"] == "Card Printed" for r in valid["6571"])
    assert all(r["TGL_ENTRI"][4] == "-" and r["TGL_LHR"][2] == "-" for r in valid["6571"])
    assert any(
        '"' in line for line in raw["6571"].decode("utf-8").splitlines()[1:]
    )  # quoted names with commas

    # Names that need care are present everywhere.
    for code in read:
        names = [rd.text(r["NAMA_LGKP"]) for r in valid[code]]
        assert any("'" in x for x in names) and any("," in x for x in names), code
        assert any(any(ord(ch) > 127 for ch in x) for x in names), code


def test_nik_rules_on_valid_rows(sample, reread):
    for snap, counts in reread.items():
        seen = Counter()
        entries = {}
        for code, c in counts.items():
            for nik, entry, _, _, row in c.valid:
                seen[nik] += 1
                entries.setdefault(nik, []).append((code, entry, tuple(rd.text(v) for v in row.values())))
                assert nik[:2] in rd.PROVINCES and len(rd.text(row["NO_KK"])) == 16
                flags = rd.row_flags(row)
                if not flags & {"nik_birth_date_mismatch", "nik_sex_mismatch"}:
                    birth = rd.parse_date(row["TGL_LHR"])
                    female = contract.SEX_CODES[rd.norm(row["JENIS_KLMIN"])] == "P"
                    assert int(nik[6:8]) == birth.day + (40 if female else 0)
                    assert nik[8:12] == birth.strftime("%m%y")
        for nik, n in seen.items():
            if n == 1:
                continue
            listed = entries[nik]
            regions = {code for code, _, _ in listed}
            if len(regions) == 1:  # exact duplicate rows only
                assert len({values for _, _, values in listed}) == 1, (snap, nik)
            else:  # a mover: one row per regency, the new regency's entry strictly newer
                assert len(listed) == len(regions) == 2, (snap, nik)
                assert listed[0][1] != listed[1][1]


def test_population_is_plausible(tmp_path):
    key = generate(tmp_path, scale=0.04, snapshots=[SNAPSHOTS[0]], seed=7)
    snap = key["snapshots"][SNAPSHOTS[0]]
    cutoff = dt.date(2026, 3, 31)
    counts = {
        c: rd.count_file(rd.read_any(tmp_path / f["file"]), c, cutoff) for c, f in snap["files"].items()
    }
    best = rd.winners(counts)
    ages, rows = [], []
    for _, regency, row in best.values():
        birth = rd.parse_date(row["TGL_LHR"])
        age = cutoff.year - birth.year - ((cutoff.month, cutoff.day) < (birth.month, birth.day))
        ages.append(age)
        rows.append(
            (
                regency,
                age,
                rd.norm(row["JENIS_KLMIN"]),
                contract.MARITAL_CODES[rd.norm(row["STAT_KWN"])],
                rd.norm(row["STATUS_KTP_EL"]) != "BELUM REKAM",
                rd.text(row["NO_KEL"]),
            )
        )
    n = len(rows)

    def share(pred, among=lambda r: True):
        sel = [r for r in rows if among(r)]
        return sum(1 for r in sel if pred(r)) / len(sel)

    # A young pyramid: about 30 % under 17, few over 65, nobody over 110.
    assert 0.25 < share(lambda r: r[1] < 17) < 0.35
    assert 0.02 < share(lambda r: r[1] >= 65) < 0.08
    assert max(ages) < 110
    males = share(lambda r: contract.SEX_CODES[r[2]] == "L")
    assert 1.05 < males / (1 - males) < 1.15

    # Marriage: rare at 15-16, usual by 30-34, widowhood rising with age, some divorce.
    assert 0.002 < share(lambda r: r[3] != "BELUM KAWIN", lambda r: r[1] in (15, 16)) < 0.10
    assert share(lambda r: r[3] != "BELUM KAWIN", lambda r: 30 <= r[1] < 35) > 0.75
    widowed_70 = share(lambda r: r[3] == "CERAI MATI", lambda r: r[1] >= 70)
    assert (
        widowed_70 > 2 * share(lambda r: r[3] == "CERAI MATI", lambda r: 40 <= r[1] < 50) and widowed_70 > 0.2
    )
    assert share(lambda r: r[3] == "CERAI HIDUP", lambda r: r[1] >= 30) > 0.01

    # Recording: ~99 % of wajib KTP, the unrecorded mostly 17-21, some early recording at 16.
    def wajib(r):
        return r[1] >= 17 or r[3] != "BELUM KAWIN"

    assert 0.97 < share(lambda r: r[4], wajib) < 0.999
    unrecorded = [r for r in rows if wajib(r) and not r[4]]
    assert sum(1 for r in unrecorded if 17 <= r[1] <= 21) / len(unrecorded) > 0.4
    assert 0.15 < share(lambda r: r[4], lambda r: r[1] == 16) < 0.35
    assert share(lambda r: r[4], lambda r: r[1] < 16) == 0

    # Regency sizes in proportion to Dukcapil 2024, within 3 % (relative).
    dukcapil = {
        r["kemendagri_code"].replace(".", ""): int(r["dukcapil_s2_2024_total"])
        for r in rd._seed("dukcapil_population.csv")
    }
    total = dukcapil.pop("65")
    by_regency = Counter(r[0] for r in rows)
    for code, pop in dukcapil.items():
        assert by_regency[code] / n == pytest.approx(pop / total, rel=0.03), code
    assert n == pytest.approx(0.04 * total, rel=0.03)


def test_later_snapshot_ages_the_same_people(sample, reread):
    first, second = (rd.winners(reread[s]) for s in SNAPSHOTS)
    both = first.keys() & second.keys()
    assert len(both) > 0.97 * len(first)
    newly_recorded = turned_17 = married = 0
    for nik in both:
        a, b = first[nik][2], second[nik][2]
        assert rd.parse_date(a["TGL_LHR"]) == rd.parse_date(b["TGL_LHR"])
        rec_a, rec_b = (rd.norm(r["STATUS_KTP_EL"]) != "BELUM REKAM" for r in (a, b))
        assert rec_a <= rec_b, nik  # nobody loses a recording
        newly_recorded += rec_b and not rec_a
        birth = rd.parse_date(a["TGL_LHR"])
        turned_17 += (2026 - 17, 3, 31) < (birth.year, birth.month, birth.day) <= (2026 - 17, 9, 30)
        st_a, st_b = (contract.MARITAL_CODES[rd.norm(r["STAT_KWN"])] for r in (a, b))
        married += st_a == "BELUM KAWIN" and st_b == "KAWIN"
    assert newly_recorded > 0 and turned_17 > 0 and married > 0
    assert len(second.keys() - first.keys()) > 0  # newborns registered in between


def test_cli_writes_the_layout(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.synthetic",
            "--scale",
            "0.004",
            "--out",
            str(out),
            "--seed",
            "5",
            "--snapshots",
            "2026-06-30",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "2026-06-30" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["2026-06-30", KEY_FILE]
    key = json.loads((out / KEY_FILE).read_text(encoding="utf-8"))
    assert key["seed"] == 5 and list(key["snapshots"]) == ["2026-06-30"]


def test_shipped_sample_is_reproducible_and_small(tmp_path):
    raw = REPO_ROOT / "data" / "raw"
    key = json.loads((raw / KEY_FILE).read_text(encoding="utf-8"))
    # `make data` writes large local sets into data/raw/_scale<N> (git-ignored); they are not the sample.
    shipped = {k: v for k, v in _files(raw).items() if not k.startswith("_scale")}
    assert sorted({k.split("/")[0] for k in shipped}) == [*SNAPSHOTS, KEY_FILE]
    assert sum(len(v) for v in shipped.values()) < 3_000_000
    # The default style family, explicitly and by default, still writes the shipped bytes.
    generate(tmp_path / "d", scale=key["scale"], snapshots=list(key["snapshots"]), seed=key["seed"])
    assert _files(tmp_path / "d") == shipped
    again = generate(
        tmp_path / "e",
        scale=key["scale"],
        snapshots=list(key["snapshots"]),
        seed=key["seed"],
        styles="default",
    )
    assert _files(tmp_path / "e") == shipped and again == key
    for s in key["snapshots"].values():
        for f in s["files"].values():
            assert min(f["rejects"].values()) >= 1 and min(f["flags"].values()) >= 1, f["file"]
            assert f["rows_rejected"] / f["rows_written"] < 0.04, f["file"]


# --- The messy style family: raw SIAK exports, every presentation the contract accepts. ---

SIAK_EXTRAS = {"AGAMA", "PDDK_AKH", "JENIS_PKRJN", "GOL_DRH"}
# Presentation fields of a file's answer-key entry; everything else must not depend on the style family.
PRESENTATION = {"file", "format", "encoding", "delimiter", "columns", "sha256", "size_bytes"}
DATE_SHAPES = {
    "%d-%m-%Y": r"\d{2}-\d{2}-\d{4}",
    "%d/%m/%Y": r"\d{2}/\d{2}/\d{4}",
    "%Y-%m-%d": r"\d{4}-\d{2}-\d{2}",
}
# Upper-case forms of the coded columns, as the recorded spelling names them ('form+modifiers').
FORMS = {
    "JENIS_KLMIN": {"code": ["1", "2"], "word": ["LAKI-LAKI", "PEREMPUAN"], "letter": ["L", "P"]},
    "STAT_KWN": {
        "code": ["1", "2", "3", "4"],
        "word": ["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"],
        "word_tercatat": [
            "BELUM KAWIN",
            "KAWIN TERCATAT",
            "KAWIN BELUM TERCATAT",
            "CERAI HIDUP",
            "CERAI MATI",
        ],
    },
    "KWRNGRN": {None: ["WNI", "WNA"]},
    "STATUS_KTP_EL": {None: contract.KTP_STATUSES},
}


def _spelled(column: str, spec: str) -> set[str]:
    """Every text a recorded spelling allows, built independently of the generator's code."""
    parts = spec.split("+")
    form, mods = (parts[0], parts[1:]) if column in ("JENIS_KLMIN", "STAT_KWN") else (None, parts)
    out = set()
    for value in FORMS[column][form]:
        value = value.lower() if "lower" in mods else value.title() if "title" in mods else value
        value = value.replace(" ", "_") if "underscore" in mods else value
        out.add(f" {value} " if "spaced" in mods else value)
    return out


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("messy")
    key = generate(out, scale=SCALE, snapshots=SNAPSHOTS, seed=11, styles="messy")
    return out, key


@pytest.fixture(scope="module")
def messy_read(messy) -> dict[str, dict[str, tuple[rd.ReadFile, list[dict]]]]:
    """snapshot -> code -> (the file as read, its valid rows)."""
    out, key = messy
    read = {}
    for snap, s in key["snapshots"].items():
        cutoff = dt.date.fromisoformat(snap)
        read[snap] = {}
        for code, f in s["files"].items():
            r = rd.read_any(out / f["file"])
            read[snap][code] = (r, [row for row in r.rows if rd.reject_reason(row, code, cutoff) is None])
    return read


def _counts_only(key: dict) -> dict:
    key = json.loads(json.dumps(key))
    key.pop("style_family", None)
    key.pop("styles", None)
    for s in key["snapshots"].values():
        for f in s["files"].values():
            for field in PRESENTATION:
                del f[field]
    return key


def test_messy_answer_key_equals_the_default_one(sample, messy):
    """Same seed and scale: the same people, defects and duplicates in the same rows; only presentation
    differs (the style family draws its extra randomness from streams of its own)."""
    (_, default), (out, key) = sample, messy
    assert _counts_only(key) == _counts_only(default)
    assert "styles" not in default and "style_family" not in default
    assert key["style_family"] == "messy"
    assert json.loads((out / KEY_FILE).read_text(encoding="utf-8")) == key
    files = [f"{snap}/{p.name}" for snap in SNAPSHOTS for p in sorted((out / snap).iterdir())]
    assert sorted(key["styles"]) == files
    assert sorted(f["file"] for s in key["snapshots"].values() for f in s["files"].values()) == files


def test_messy_answer_key_agrees_with_an_independent_reading(messy, messy_read):
    _, key = messy
    for snap, s in key["snapshots"].items():
        cutoff = dt.date.fromisoformat(snap)
        counts = {code: rd.count_file(r, code, cutoff) for code, (r, _) in messy_read[snap].items()}
        for code, f in s["files"].items():
            c = counts[code]
            assert (f["rows_written"], f["rejects"], f["flags"]) == (c.rows, c.rejects, c.flags), (snap, code)
            assert (f["rows_valid"], f["exact_duplicate_rows"]) == (len(c.valid), c.exact_duplicates)
            assert f["columns"] == messy_read[snap][code][0].header
        best = rd.winners(counts)
        assert s["distinct_valid_persons"] == len(best)
        for code, f in s["files"].items():
            assert f["winning"]["persons"] == sum(1 for _, regency, _ in best.values() if regency == code)


def test_messy_files_carry_siak_columns_in_a_shuffled_order(messy, messy_read):
    _, key = messy
    values = {c: set() for c in SIAK_EXTRAS}
    for snap in SNAPSHOTS:
        for code, (read, valid) in messy_read[snap].items():
            names = [str(h).strip().upper() for h in read.header]
            assert set(names) == set(contract.COLUMNS) | SIAK_EXTRAS, code
            in_file = [c for c in names if c in contract.COLUMNS]
            assert in_file != list(contract.COLUMNS), code  # not the contract's order
            last_contract = max(names.index(c) for c in in_file)
            assert any(names.index(c) < last_contract for c in SIAK_EXTRAS), code  # extras not just appended
            style = key["styles"][f"{snap}/{read.path.name}"]
            assert style["columns_shuffled"] and set(style["extra_columns"]) == SIAK_EXTRAS
            for c in SIAK_EXTRAS:
                values[c] |= {rd.text(r[c]) for r in valid}
    assert values["AGAMA"] == {"ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KHONGHUCU"}
    assert values["GOL_DRH"] == {"A", "B", "AB", "O", "TIDAK TAHU"}
    assert {"SLTA/SEDERAJAT", "TIDAK/BELUM SEKOLAH", "DIPLOMA IV/STRATA I"} <= values["PDDK_AKH"]
    assert {"PELAJAR/MAHASISWA", "WIRASWASTA", "MENGURUS RUMAH TANGGA"} <= values["JENIS_PKRJN"]
    assert not any("," in v or ";" in v for vs in values.values() for v in vs)
    orders = {tuple(str(h).strip().upper() for h in r.header) for r, _ in messy_read[SNAPSHOTS[0]].values()}
    assert len(orders) == 5  # every regency its own order


def test_messy_files_are_as_their_recorded_style_says(messy, messy_read):
    _, key = messy
    for snap in SNAPSHOTS:
        for read, valid in messy_read[snap].values():
            style = key["styles"][f"{snap}/{read.path.name}"]
            where = read.path.name
            assert read.path.suffix == "." + style["format"], where
            if style["format"] == "csv":
                assert (read.encoding, read.delimiter) == (style["encoding"], style["delimiter"]), where
                raw = read.path.read_bytes()
                assert raw.count(b"\r\n") == (len(read.rows) + 1 if style["line_end"] == "CRLF" else 0), where
            for column, spec in style["spelling"].items():
                assert {r[column] for r in valid} <= _spelled(column, spec), (where, column)
            for column, fmt in (("TGL_LHR", style["date_format"]), ("TGL_ENTRI", style["entry_date_format"])):
                if column in (style["xlsx_date_cells"] or []):
                    assert all(isinstance(r[column], dt.datetime) for r in valid), (where, column)
                else:
                    assert all(re.fullmatch(DATE_SHAPES[fmt], r[column]) for r in valid), (where, column)
            recorded = [r["TGL_REKAM"] for r in valid if r["TGL_REKAM"]]
            assert recorded and all(re.fullmatch(DATE_SHAPES[style["date_format"]], v) for v in recorded)
            kec = {r["NO_KEC"] for r in valid}
            assert all(isinstance(v, str) for v in kec), where  # text, also in the XLSX
            if style["codes_padded"]:
                assert all(len(v) == 2 for v in kec) and "01" in kec, where
            else:
                assert "1" in kec and not any(v.startswith("0") for v in kec), where


def test_messy_data_set_holds_every_accepted_variant(messy, messy_read):
    _, key = messy
    styles = list(key["styles"].values())
    assert {s["format"] for s in styles} == {"csv", "xlsx"}
    assert {s["encoding"] for s in styles if s["format"] == "csv"} == {"utf-8", "utf-8-sig", "cp1252"}
    assert {s["delimiter"] for s in styles if s["format"] == "csv"} == {";", ","}
    assert {s["codes_padded"] for s in styles} == {True, False}
    assert {s["quoting"] for s in styles} == {"all", "minimal", None}  # None: the XLSX
    assert {s["line_end"] for s in styles} == {"LF", "CRLF", None}
    assert {s["header"] for s in styles} >= {"upper", "lower+spaced", "title", "upper+spaced"}

    # What the files hold, read back: every date format, every accepted spelling of every coded value.
    dates, raw = set(), {c: set() for c in FORMS}
    for snap in SNAPSHOTS:
        for _, valid in messy_read[snap].values():
            for r in valid:
                for c in FORMS:
                    raw[c].add(r[c])
                for c in ("TGL_LHR", "TGL_REKAM", "TGL_ENTRI"):
                    if isinstance(r[c], str) and r[c]:
                        dates |= {fmt for fmt, shape in DATE_SHAPES.items() if re.fullmatch(shape, r[c])}
    assert dates == set(contract.DATE_FORMATS)
    accepted = {
        "JENIS_KLMIN": set(contract.SEX_CODES),
        "STAT_KWN": set(contract.MARITAL_CODES),
        "KWRNGRN": set(contract.CITIZENSHIP_CODES),
        "STATUS_KTP_EL": set(contract.KTP_STATUSES),
    }
    for c, values in raw.items():
        assert {rd.norm(v) for v in values} == accepted[c], c  # every accepted value, nothing else
        words = {v.strip() for v in values if any(ch.isalpha() for ch in v)}
        assert any(v != v.strip() for v in values), c  # surrounding spaces
        assert any(w == w.upper() for w in words) and any(w == w.lower() for w in words), c
        assert any(w == w.title() and w != w.upper() for w in words), c
        if c in ("STAT_KWN", "STATUS_KTP_EL"):
            assert any("_" in w for w in words), c
    header = [h for read, _ in messy_read[SNAPSHOTS[0]].values() for h in map(str, read.header)]
    assert any(h != h.strip() for h in header) and any(h.strip() == h.strip().lower() for h in header)
    assert any(h.strip() == h.strip().title() and h.strip() != h.strip().upper() for h in header)


def test_messy_is_reproducible_and_opt_in(tmp_path):
    a = _files_after(lambda out, **kw: generate(out, styles="messy", **kw), tmp_path / "a", seed=3)
    assert (
        synthetic_cli(["--scale", "0.004", "--out", str(tmp_path / "b"), "--seed", "3", "--styles", "messy"])
        == 0
    )
    assert _files(tmp_path / "b") == a  # the CLI flag, the same files byte for byte
    d = _files_after(generate, tmp_path / "d", seed=3)
    assert a.keys() == d.keys()
    assert all(a[k] != d[k] for k in a)  # every file and the key differ from the default family
    with pytest.raises(ValueError, match="unknown styles"):
        generate(tmp_path / "e", scale=0.004, snapshots=SNAPSHOTS, styles="tidy")
