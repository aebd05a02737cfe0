"""Reads a consumer group's positions (what /readyz asks Kafka for, every 2 s in each API process) from three
threads without pause while the local Kafka restarts, and says whether the reading process survived.

The admin client's offset requests crashed the process in librdkafka (`rd_kafka_enq_once_del_source_return:
Assertion 'eonce->refcnt > 0' failed`) within two restarts; this reruns that. It stops and starts the Kafka of
deploy/local (alternating a clean stop and a kill -9), so run it where nothing else needs that Kafka.

    .venv/bin/python bench/kafka_restart_reader.py --restarts 4 [--src /path/to/other/checkout/src]
"""

from __future__ import annotations

import argparse
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER = """
import sys, threading, time
sys.path.insert(0, sys.argv[1])
from aisle.adapters.bus.kafka import KafkaEventStream
stream = KafkaEventStream(sys.argv[2], topic_prefix="bench-restart.")
stream.publish([])
counts = {"ok": 0, "failed": 0}
def read_forever():
    while True:
        try:
            stream.positions("index-builder", ["product.updated"])
            counts["ok"] += 1
        except Exception:
            counts["failed"] += 1
        time.sleep(0.05)
for _ in range(3):
    threading.Thread(target=read_forever, daemon=True).start()
while True:
    time.sleep(1)
    print(counts["ok"], counts["failed"], flush=True)
"""


def kafka(action: str) -> None:
    if action == "kill":
        subprocess.run(["pkill", "-9", "-f", "kafka.Kafka"], check=False)
    else:
        subprocess.run(["bash", str(ROOT / "deploy/local" / f"{action}.sh"), "kafka"], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument("--down-seconds", type=float, default=20.0)
    parser.add_argument("--src", default=str(ROOT / "src"), help="the aisle source to run (another checkout's src)")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    args = parser.parse_args()
    kafka("up")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, args.src, args.bootstrap], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(5)
    print(f"| restart | how | reader | readings ok / failed so far |\n|---|---|---|---|  (source: {args.src})")
    for number in range(1, args.restarts + 1):
        how = "kill -9" if number % 2 == 0 else "clean stop"
        kafka("kill" if number % 2 == 0 else "down")
        time.sleep(args.down_seconds)
        kafka("up")
        time.sleep(5)
        if reader.poll() is not None:
            said = reader.stderr.read().decode(errors="replace").strip().splitlines()[-1:] if reader.stderr else []
            print(f"| {number} | {how} | **died** (exit {reader.returncode}): {' '.join(said)} | |")
            return
        print(f"| {number} | {how} | alive | {_last_line(reader)} |")
    reader.kill()
    print(f"survived {args.restarts} restarts")


def _last_line(reader: subprocess.Popen[bytes]) -> str:
    assert reader.stdout is not None
    line = b""
    while True:  # every line written so far; the reader prints one a second
        if not select.select([reader.stdout], [], [], 0)[0]:
            break
        line = reader.stdout.readline() or line
    ok, failed = [*line.decode().split(), "?", "?"][:2]
    return f"{ok} / {failed}"


if __name__ == "__main__":
    main()
