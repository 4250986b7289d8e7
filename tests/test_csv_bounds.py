"""CSVs that ask for more than any extract needs are refused early, in words, in memory that does not grow
with the abuse: a header of millions of empty columns (80 s and 3.1 GB before), a file of one huge line
(refused before with Arrow's "straddling object" words)."""

from __future__ import annotations

import pytest

from pipelines.lib.ingest.readers import ExtractError, read_extract
from tests.support.extracts import HEADER
from tests.support.reading import read_in_child


def test_a_header_of_five_million_empty_columns_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "6501_wide.csv"
    path.write_bytes(b"NIK;" + b";" * 5_000_000 + b"\n6501010101900001;\n")
    child = read_in_child(path)
    assert child["said"].startswith("refused: the header line is longer than 65,536 characters"), child
    assert child["peak_mib"] < 300, child


def test_a_file_of_one_line_is_refused_by_its_header_length(tmp_path):
    path = tmp_path / "6501_one_line.csv"
    with path.open("wb") as f:
        f.write(b"NIK;NAMA_LGKP;" + b"x" * (20 << 20))
    with pytest.raises(ExtractError, match=r"^the header line is longer than 65,536 characters"):
        read_extract(path)


def test_a_header_of_more_columns_than_any_extract_is_refused_with_its_count(tmp_path):
    path = tmp_path / "6501_columns.csv"
    path.write_text(";".join(HEADER + [f"X{i}" for i in range(2_000)]) + "\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"^the header has 2,0\d\d columns, at most 1,024$"):
        read_extract(path)
