"""glibc's malloc: keep freed array memory for a benchmark's next pass, or hand it back to the OS.

glibc serves every allocation above 128 kB-ish with a fresh mmap and returns it on free, so
each forward/backward pass page-faults its ~MBs of arrays in again: about a third of the
engine's time at the lesson's PyTorch size (measured with benchmarks/bench_engine.py).
Raising the mmap and trim thresholds lets those buffers be reused from the heap.  Applies
only on glibc (Linux); elsewhere, or with RNNVIZ_NO_MALLOPT=1, it does nothing.

Opt-in only: call `keep_freed_memory()` from a benchmark process that gains from it
(benchmarks/bench_engine.py).  Never from the package import or the Streamlit server: the
raised trim threshold keeps up to 128 MB of freed heap per process, so a server that trained a
few large networks would never give that memory back to the system (issue 15).

The other way round, ``return_freed_memory()`` (malloc_trim(0), a one-off call, no tuning) hands the free
pages of every malloc arena back to the system: after a large release, such as a closed tab's training run
(rnnviz.idle).  Without it glibc keeps most of them: each Streamlit session trains in its own script thread,
hence its own arena, and an arena only shrinks from its top (measured: five runs at n = 64, 3 layers trained
in five threads, then released: RSS 205 -> 185 MB; after malloc_trim(0) 46 MB).
"""

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 1024 * 1024  # arrays below 32 MB come from the reusable heap
_TRIM_THRESHOLD = 128 * 1024 * 1024  # keep up to 128 MB of freed heap for the next pass


def keep_freed_memory() -> bool:
    """Tune glibc's malloc once per process; returns whether it applied."""
    mallopt = None if os.environ.get("RNNVIZ_NO_MALLOPT") else getattr(_libc(), "mallopt", None)
    if mallopt is None:  # opted out, or not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))


def return_freed_memory() -> bool:
    """malloc_trim(0): give the free memory of every arena back to the system.  Whether glibc released any
    (False where there is no glibc, or with RNNVIZ_NO_MALLOC_TRIM=1, for comparing)."""
    trim = None if os.environ.get("RNNVIZ_NO_MALLOC_TRIM") else getattr(_libc(), "malloc_trim", None)
    return bool(trim(0)) if trim is not None else False


def _libc():
    """The C library (None where ctypes cannot find or load it)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None
