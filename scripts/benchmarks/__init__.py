"""The figures of ``make bench`` (``scripts/bench.py``), one module per thing measured; each returns a Section."""
