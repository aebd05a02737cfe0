"""What bench/fault_soak.py runs and breaks: its own OpenSearch, Redis and Kafka (deploy/local scripts under a
separate AISLE_SERVICES_DIR and ports, so a shared machine's servers are never touched), and the distributed shape
as separate processes (the API and each worker), whose memory it samples."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import REPO, rss_mib

DEFAULT_PORTS = {"redis": 6379, "opensearch": 9200, "kafka": 9092}
SCRIPT_PORT_VARIABLE = {"redis": "AISLE_REDIS_PORT", "opensearch": "AISLE_OPENSEARCH_PORT", "kafka": "AISLE_KAFKA_PORT"}
SHARED_SERVICES_DIR = "/var/tmp/aisle-services"


@dataclass
class OwnServices:
    """Services this run started with deploy/local/*.sh, stopped and started again by the same scripts."""

    services_dir: str
    ports: dict[str, int]
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, log_path: Path) -> OwnServices:
        """Reads AISLE_SERVICES_DIR and AISLE_*_PORT as the scripts do; refuses the shared defaults."""
        services_dir = os.environ.get("AISLE_SERVICES_DIR", SHARED_SERVICES_DIR)
        ports = {name: int(os.environ.get(SCRIPT_PORT_VARIABLE[name], port)) for name, port in DEFAULT_PORTS.items()}
        shared = [name for name, port in ports.items() if port == DEFAULT_PORTS[name]]
        if services_dir == SHARED_SERVICES_DIR or shared:
            raise SystemExit(
                "--own-services stops and starts servers: set AISLE_SERVICES_DIR and AISLE_REDIS_PORT, "
                "AISLE_OPENSEARCH_PORT(+_TRANSPORT_PORT), AISLE_KAFKA_PORT(+_CONTROLLER_PORT) to an instance of "
                f"your own (shared defaults in use: {', '.join(shared) or services_dir})"
            )
        return cls(services_dir, ports, log_path)

    @property
    def urls(self) -> dict[str, str]:
        return {
            "opensearch": f"http://127.0.0.1:{self.ports['opensearch']}",
            "redis": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "kafka": f"127.0.0.1:{self.ports['kafka']}",
        }

    def stop(self, name: str) -> None:
        self._script(name, "down")

    def start(self, name: str) -> None:
        """Starts it and waits until it answers. On a loaded machine a script's own health wait may give up
        while the server is still coming up (Kafka's admin check runs a JVM per attempt): then poll its status."""
        try:
            self._script(name, "up")
        except subprocess.CalledProcessError:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                try:
                    self._script(name, "status")
                    return
                except subprocess.CalledProcessError:
                    time.sleep(5)
            raise

    def _script(self, name: str, command: str) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n== {time.strftime('%H:%M:%S')} {name} {command}\n".encode())
            log.flush()
            subprocess.run(
                ["bash", str(REPO / f"deploy/local/{name}.sh"), command],
                env={"AISLE_WAIT_SECS": "300", **os.environ},
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )


class WorkerProcess:
    """`aisle worker NAME` in its own process, logging to a file."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self._env = {**os.environ, **env}
        self._log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WorkerProcess:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self._log_path.open("wb")
        command = [str(REPO / ".venv/bin/aisle"), "worker", self.name]
        self.process = subprocess.Popen(command, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class MemorySamples:
    """RSS of each process, sampled through the run: first (traffic starting), last, and the peak."""

    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)

    def sample(self, pids: dict[str, int]) -> None:
        for name, pid in pids.items():
            rss = rss_mib(pid)
            if rss != rss:  # the process is gone (nan)
                continue
            self.first.setdefault(name, rss)
            self.last[name] = rss
            self.peak[name] = max(self.peak.get(name, 0.0), rss)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (
                name,
                f"{self.first[name]:.0f}",
                f"{self.last[name]:.0f}",
                f"{self.peak[name]:.0f}",
                f"{self.last[name] - self.first[name]:+.0f}",
            )
            for name in self.first
        ]
