"""Deterministic synthetic regency extracts (KTP-el recording data of Kalimantan Utara) and their answer key.

`generate(out_dir, scale=..., snapshots=[...], seed=...)` writes the files and returns the answer key;
`python -m pipelines.synthetic --scale 1 --out DIR` does the same from the command line.
"""

from pipelines.synthetic.generate import DEFAULT_SEED, DEFAULT_SNAPSHOTS, KEY_FILE, generate

__all__ = ["DEFAULT_SEED", "DEFAULT_SNAPSHOTS", "KEY_FILE", "generate"]
