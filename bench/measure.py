#!/usr/bin/env python3
"""Runs a command; prints its wall time in seconds and the peak resident
memory (KiB) of the largest process it started, as "SECONDS PEAK_KIB".
Used by the benchmarks so they need nothing beyond Python's stdlib."""
import resource
import subprocess
import sys
import time

start = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
elapsed = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{elapsed:.3f} {peak}")
sys.exit(rc)
