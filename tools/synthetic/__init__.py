"""Deterministic synthetic regency extracts (KTP-el recording data of Kalimantan Utara) and their answer key.

`generate(out_dir, scale=..., snapshots=[...], seed=..., styles="default")` writes the files and returns
the answer key; `python -m tools.synthetic --scale 1 --out DIR [--styles messy]` does the same from the
command line. `styles="messy"` writes raw-SIAK-like files (styles.MESSY_STYLES) with the same answer key
counts and records each file's style in GENERATED.json under "styles".
"""

from tools.synthetic.generate import DEFAULT_SEED, DEFAULT_SNAPSHOTS, KEY_FILE, generate

__all__ = ["DEFAULT_SEED", "DEFAULT_SNAPSHOTS", "KEY_FILE", "generate"]
