"""Generated credentials for tests: the benchmarks' generators (``bench/common.py``, loaded once by
path: ``bench`` is scripts, not a package), and deterministic id sources."""
from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from typing import Callable

_COMMON = Path(__file__).resolve().parents[1] / "bench" / "common.py"


def _load_common():
    spec = importlib.util.spec_from_file_location("bench_common", _COMMON)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


common = _load_common()


def counting_ids(run: int) -> Callable[[], str]:
    """A fresh source of UUID URNs, the same sequence for the same ``run``:
    urn:uuid:00000000-0000-4000-8000-<run:06d><count:06d>."""
    counter = itertools.count()
    return lambda: f"urn:uuid:00000000-0000-4000-8000-{run:06d}{next(counter):06d}"
