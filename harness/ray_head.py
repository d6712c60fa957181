"""A Ray head started on 127.0.0.1 for the shared-pool tests and ``benchmarks/jobs/cluster.py``."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cvcore import cluster
from harness.server import ROOT, free_port

__all__ = ["RAY", "local_head"]

RAY = str(Path(sys.executable).with_name("ray"))


@contextmanager
def local_head(slots: int = 1, *, env: dict | None = None, start_within: float = 60):
    """A Ray head on 127.0.0.1 offering ``slots`` jobs at once (``cvcore_job``), this process connected to it; yields its
    address. At the end the head's processes are killed (its workers end with their raylet) and its folder removed."""
    import ray

    temp = tempfile.mkdtemp(prefix="cvray", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    port = free_port()
    log = open(Path(temp) / "head.log", "w")
    proc = subprocess.Popen(
        [RAY, "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus", "2",
         "--resources", json.dumps({cluster.JOB_RESOURCE: slots}), "--include-dashboard", "false", "--temp-dir", temp,
         "--disable-usage-stats"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    where = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_within
        while True:
            try:
                cluster.connect(where)
                break
            except cluster.ClusterUnavailable:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(1)
        yield where
    finally:
        ray.shutdown()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)
