"""The ``python -m fdsl_trainer`` process: how it ends when its parent process is killed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TRAINER = Path(__file__).resolve().parents[1]

# Runs the command line with `run` replaced by a 60 s sleep, which stands for a long epoch that writes nothing.
SLOW_RUN = """
import pathlib, sys, time
from fdsl_trainer import cli, run

def slow_run(config, emit):
    pathlib.Path(sys.argv[1]).write_text("running")
    time.sleep(60)

run.run = slow_run
sys.exit(cli.main(["run", sys.argv[2]]))
"""

# Starts the run as its child, prints the child's PID and waits to be killed.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2], sys.argv[3]],
                         stdout=subprocess.DEVNULL, stderr=open(sys.argv[4], "w"))
print(child.pid, flush=True)
time.sleep(120)
"""


def process_running(pid: int) -> bool:
    """Return whether ``pid`` exists and is not a zombie waiting for its new parent to reap it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def test_run_exits_when_parent_killed(tmp_path):
    config = tmp_path / "config.json"
    config.write_text("{}")
    marker = tmp_path / "running"
    stderr = tmp_path / "stderr.txt"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, SLOW_RUN, str(marker), str(config), str(stderr)],
        cwd=TRAINER, stdout=subprocess.PIPE, text=True,
    )
    child = int(parent.stdout.readline())
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline, "the run did not start within 60 s"
            assert process_running(child), stderr.read_text()
            time.sleep(0.1)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        killed = time.monotonic()
        while process_running(child) and time.monotonic() - killed < 5:
            time.sleep(0.1)
        assert not process_running(child), "the run kept going 5 s after its parent was killed"
        assert "parent process" in stderr.read_text()
    finally:
        if process_running(child):
            os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.wait()
        parent.stdout.close()
