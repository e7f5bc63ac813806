"""Keep freed array memory in the process instead of handing it back to the OS at once.

glibc serves every allocation above 128 kB-ish with a fresh mmap and returns it on free, so
each forward/backward pass page-faults its ~MBs of arrays in again: about a third of the
engine's time at the lesson's PyTorch size (measured with benchmarks/bench_engine.py).
Raising the mmap and trim thresholds lets those buffers be reused from the heap.  Applies
only on glibc (Linux); elsewhere, or with RNNVIZ_NO_MALLOPT=1, it does nothing.

Opt-in only: call `keep_freed_memory()` from a benchmark process that gains from it
(benchmarks/bench_engine.py).  Never from the package import or the Streamlit server: the
raised trim threshold keeps up to 128 MB of freed heap per process, so a server that trained a
few large networks would never give that memory back to the system (issue 15).
"""

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 1024 * 1024  # arrays below 32 MB come from the reusable heap
_TRIM_THRESHOLD = 128 * 1024 * 1024  # keep up to 128 MB of freed heap for the next pass


def keep_freed_memory() -> bool:
    """Tune glibc's malloc once per process; returns whether it applied."""
    if os.environ.get("RNNVIZ_NO_MALLOPT") or not ctypes.util.find_library("c"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
