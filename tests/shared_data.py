"""The real data files (../shared/data beside the repository, or $SHARED_DATA); tests needing them skip,
saying where they looked, when they are absent. The repository does not copy them (PROVENANCE.md there)."""

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def shared_data(*names):
    folder = Path(os.environ.get("SHARED_DATA") or REPOSITORY.parent / "shared" / "data")
    paths = [folder / name for name in names]
    missing = [path for path in paths if not path.is_file()]
    if missing:
        pytest.skip(f"real data not found: {', '.join(map(str, missing))} (set SHARED_DATA to its folder)")
    return paths
