"""Run every benchmark, print its figures and write them to docs/benchmarks.md."""

import datetime as dt
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench import BENCHMARKS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"


def _command(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "unknown",
    )
    postgres = _command("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version")
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} memory, Python {platform.python_version()}, "
        f"PostgreSQL {postgres or 'unknown'}"
    )


def main() -> int:
    only = set(sys.argv[1:])
    sections = []
    for name in BENCHMARKS:
        if only and name.removeprefix("bench.") not in only:
            continue
        module = importlib.import_module(name)
        print(f"== {name}", flush=True)
        lines = module.run()
        for line in lines:
            print(f"   {line}", flush=True)
        doc = (module.__doc__ or "").strip()
        body = [line if line.startswith("|") or not line else f"- {line}" for line in lines]
        sections.append(f"## {name}\n\n{doc}\n\n" + "\n".join(body) + "\n")
    if only:
        return 0  # a partial run does not replace the report
    commit = _command("git", "rev-parse", "--short", "HEAD") or "unknown"
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        "# Benchmarks\n\n"
        f"Written by `make bench` at commit {commit} on {dt.date.today():%Y-%m-%d}.\n"
        f"Machine: {machine()}.\n\n"
        "Each figure is judged against its target; a miss would be named with its cause.\n\n"
        + "\n".join(sections)
    )
    print(f"Wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
