"""rnnviz: a visual simulator of vanilla recurrent neural networks."""

from rnnviz._memory import keep_freed_memory

keep_freed_memory()
