"""Benchmarks, run on demand with ``python -m bench`` (``make bench``); they are not tests.

Each module in ``BENCHMARKS`` has ``run() -> list[str]`` returning lines of figures.
"""

BENCHMARKS = [
    "bench.scheduling",
    "bench.simulation",
    "bench.pages",
    "bench.projects_pages",
    "bench.reminders",
    "bench.imports",
    "bench.load",
]
