"""devenv's benchmark driver: each case timed with hyperfine against the plain tool a user
would otherwise type, in the same run, reported as ratios (Benchmarks/results.md, .json)."""
