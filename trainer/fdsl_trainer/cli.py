"""Command line of the trainer: ``env`` describes the setup, ``run CONFIG`` trains and scores.

Every event goes to stdout as one JSON line; errors also go to stderr.
Exit codes: 0 done, 1 failure while training, 2 invalid config or input.
"""

import argparse
import json
import os
import sys
import threading
import time
from typing import List, Optional

from .config import parse_config
from .errors import EXIT_FAILURE, EXIT_USAGE, TrainerError


def emit(event: dict) -> None:
    """Write one event as a JSON line and flush, so the reader sees it at once."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main(argv: Optional[List[str]] = None) -> int:
    """Parse arguments, run the command and return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m fdsl_trainer")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("env", help="print the interpreter, torch and device as JSON")
    run_parser = commands.add_parser("run", help="pre-train, fine-tune and score, from a JSON config")
    run_parser.add_argument("config", help="config file, or - to read it from stdin")
    args = parser.parse_args(argv)

    from .run import environment, run

    if args.command == "env":
        emit(environment())
        return 0
    watch_parent()
    try:
        text = sys.stdin.read() if args.config == "-" else open(args.config, encoding="utf-8").read()
    except OSError as error:
        return fail(f"cannot read config {args.config}: {error.strerror}", EXIT_USAGE)
    try:
        config = parse_config(json.loads(text))
    except json.JSONDecodeError as error:
        return fail(f"invalid JSON in config {args.config}: {error}", EXIT_USAGE)
    except TrainerError as error:
        return fail(str(error), error.exit_code)
    try:
        run(config, emit)
    except TrainerError as error:
        return fail(str(error), error.exit_code)
    return 0


def watch_parent(interval: float = 1.0) -> None:
    """Start a daemon thread that exits the process once its parent process is gone.

    A parent killed with SIGKILL cannot stop its children, and a run writes
    to stdout only once per epoch, so without this check an orphaned run
    would keep training until its next write fails. The parent is gone
    when ``os.getppid()`` changes, because the kernel reparents an orphan
    to init or to a subreaper.
    """
    parent = os.getppid()

    def poll() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                print(f"fdsl_trainer: parent process {parent} exited; stopping the run", file=sys.stderr, flush=True)
                os._exit(EXIT_FAILURE)

    threading.Thread(target=poll, name="watch-parent", daemon=True).start()


def fail(message: str, code: int) -> int:
    """Report an error as an event and on stderr; return the exit code."""
    emit({"event": "error", "message": message, "exit_code": code})
    print(f"fdsl_trainer: {message}", file=sys.stderr)
    return code
