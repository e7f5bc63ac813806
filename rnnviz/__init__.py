"""rnnviz: a visual simulator of vanilla recurrent neural networks.

Importing the package changes nothing process-wide.  The glibc allocator tuning that speeds up
the engine benchmarks (`rnnviz._memory.keep_freed_memory`) is opt-in: a server must not keep
freed memory from going back to the system (issue 15).
"""
