"""Benchmark programs (`make bench`): they print their figures and write them as JSON under
`.bench/`; the README quotes them with the command that made them. Not tests: timings on
shared machines are noisy, so compare ratios measured in one run."""
