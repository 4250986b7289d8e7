"""GENERATED.json: what the written files contain, counted on the text as written (checks.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.fsio import sha256_of
from pipelines.lib.ingest.contract import KTP_STATUSES, QUALITY_FLAGS, REJECT_REASONS, dotted_regency
from tools.synthetic import checks
from tools.synthetic.calendar import completed_years
from tools.synthetic.snapshot import WrittenFile

NOTES = {
    "rejects": "rows whose first failing rule (contract.REJECT_REASONS order) is that reason",
    "flags": "valid rows of the file with the flag, before de-duplication (superseded rows included)",
    "exact_duplicate_rows": "extra byte-identical copies of a row, right after it in the same file",
    "mover_rows_old_listing": "valid rows of a person who moved away, still listed by this (old) regency "
    "with an older TGL_ENTRI than the new regency's row",
    "duplicates_superseded": "valid rows that lose their NIK to another row of the snapshot "
    "(latest TGL_ENTRI wins, tie: lowest regency code, then first row)",
    "winning": "counts over the rows that win their NIK (one per person); age in completed years on the "
    "snapshot date, wajib_ktp = age >= 17 or marital status other than BELUM KAWIN, recorded = any "
    "STATUS_KTP_EL other than BELUM REKAM",
}


def _nik_numbers(f: WrittenFile) -> np.ndarray:
    """NIKs of valid rows as int64 (16 digits fit), 0 for rejected rows."""
    text = pc.if_else(pa.array(f.reason < 0), pc.utf8_trim_whitespace(f.cols["NIK"]), "0")
    return pc.cast(text, pa.int64()).to_numpy()


def _winners(files: list[WrittenFile]) -> list[np.ndarray]:
    """Per file, whether each valid row wins its NIK in the snapshot (invalid rows: False)."""
    nik, entry, regency, row, which, pos = [], [], [], [], [], []
    for i, f in enumerate(files):
        valid = f.reason < 0
        idx = np.flatnonzero(valid)
        nik.append(_nik_numbers(f)[idx])
        entry.append(checks.parse_dates(f.cols["TGL_ENTRI"])[0][idx])
        regency.append(np.full(len(idx), int(f.code)))
        row.append(idx + 1)
        which.append(np.full(len(idx), i))
        pos.append(idx)
    nik, entry, regency, row, which, pos = map(np.concatenate, (nik, entry, regency, row, which, pos))
    order = np.lexsort((row, regency, -entry, nik))
    first = np.r_[True, nik[order][1:] != nik[order][:-1]]
    wins = np.zeros(len(nik), dtype=bool)
    wins[order[first]] = True
    out = [np.zeros(len(f.reason), dtype=bool) for f in files]
    for i in range(len(files)):
        mine = which == i
        out[i][pos[mine]] = wins[mine]
    return out


def snapshot_key(files: list[WrittenFile], day: int, snapshot: str, pop) -> dict:
    winners = _winners(files)
    per_file = {}
    valid_niks, valid_codes = [], []
    for f, wins in zip(files, winners, strict=True):
        style = f.style
        valid = f.reason < 0
        flag_rows = checks.flags(f.cols)
        nik = _nik_numbers(f)
        valid_niks.append(nik[valid])
        valid_codes.append(np.full(int(valid.sum()), int(f.code)))
        p = f.person[wins]
        age = completed_years(pop.birth[p], day)
        wajib = (age >= 17) | (f.state.marital[wins] != 0)
        status = f.state.ktp_status[wins]
        header = [style.header[c] for c in style.columns]
        per_file[f.code] = {
            "file": f"{snapshot}/{style.file_name}",
            # what the pipeline publishes and prints of the name: the contract's part of it
            "label": f"{snapshot}/{f.code}.{style.fmt}",
            "regency_code": dotted_regency(f.code),
            "format": style.fmt,
            "encoding": style.encoding,
            "delimiter": style.delimiter,
            "columns": header,
            "sha256": sha256_of(f.path),
            "size_bytes": f.path.stat().st_size,
            "rows_written": int(len(f.reason)),
            "rows_valid": int(valid.sum()),
            "rows_rejected": int((~valid).sum()),
            "rejects": {r: int((f.reason == i).sum()) for i, r in enumerate(REJECT_REASONS)},
            "flags": {k: int((flag_rows[k] & valid).sum()) for k in QUALITY_FLAGS},
            "exact_duplicate_rows": int((f.kind == 2).sum()),
            "mover_rows_old_listing": int(((f.kind == 1) & valid).sum()),
            "duplicates_superseded": int((valid & ~wins).sum()),
            "winning": {
                "persons": int(wins.sum()),
                "male": int(pop.male[p].sum()),
                "age_under_17": int((age < 17).sum()),
                "age_16": int((age == 16).sum()),
                "age_16_recorded": int(((age == 16) & (status != 0)).sum()),
                "wajib_ktp": int(wajib.sum()),
                "wajib_ktp_recorded": int((wajib & (status != 0)).sum()),
                "ktp_status": {s: int((status == i).sum()) for i, s in enumerate(KTP_STATUSES)},
            },
        }
    # A NIK listed by several regencies (a mover) appears once per regency among the unique pairs.
    pairs = np.unique(np.stack([np.concatenate(valid_niks), np.concatenate(valid_codes)], axis=1), axis=0)
    niks, regency_count = np.unique(pairs[:, 0], return_counts=True)
    return {
        "files": per_file,
        "rows_written": sum(f["rows_written"] for f in per_file.values()),
        "rows_valid": sum(f["rows_valid"] for f in per_file.values()),
        "movers": int((regency_count > 1).sum()),
        "exact_duplicate_rows": sum(f["exact_duplicate_rows"] for f in per_file.values()),
        "duplicates_superseded": sum(f["duplicates_superseded"] for f in per_file.values()),
        "distinct_valid_persons": int(len(niks)),
    }
