"""Run every benchmark and print its figures."""

import importlib
import sys

from bench import BENCHMARKS


def main() -> int:
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        print(f"== {name}")
        for line in module.run():
            print(f"   {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
