"""Pre-train a CNN on a generated dataset, fine-tune it on real datasets and score the transfer.

The trainer runs as ``python -m fdsl_trainer`` under the interpreter that
has torch. It reads one JSON config and writes one JSON line per event
(one per epoch) to stdout, so the TypeScript side can drive it as a
child process.
"""

__version__ = "0.1.0"
