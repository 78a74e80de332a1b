"""Jobs modules and job functions the benchmarks run (importable, so process runs can preload them)."""
