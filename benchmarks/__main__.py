"""``python -m benchmarks NAME [--quick] [--threads N] [--repeats K]``."""

import argparse
import importlib

import numba

from . import available
from ._harness import environment, format_environment, format_table, pinned_threads, write_json


def main(argv=None):
    names = available()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time lrsparse against peer implementations.",
    )
    parser.add_argument("name", metavar="NAME", help=f"benchmark to run: {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="smallest case only, 3 repeats")
    parser.add_argument("--threads", type=int, default=1, help="threads for every pool (default 1)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed calls per measurement (default 5, or 3 with --quick)")
    args = parser.parse_args(argv)
    if args.name not in names:
        parser.error(f"unknown benchmark {args.name!r}; available: {', '.join(names)}")
    limit = numba.config.NUMBA_NUM_THREADS
    if not 1 <= args.threads <= limit:
        parser.error(f"--threads must be in [1, {limit}] (NUMBA_NUM_THREADS)")
    repeats = args.repeats or (3 if args.quick else 5)

    # Import first: threadpoolctl only limits libraries already loaded.
    module = importlib.import_module(f"{__package__}.{args.name}")
    with pinned_threads(args.threads):
        env = environment(args.threads)  # inside the pin, so pools report pinned sizes
        print(format_environment(env), flush=True)
        rows = module.run(quick=args.quick, threads=args.threads, repeats=repeats)
    print()
    print(format_table(rows, extra_columns=getattr(module, "EXTRA_COLUMNS", ())))
    settings = {"quick": args.quick, "threads": args.threads, "repeats": repeats}
    print(f"\nresults written to {write_json(args.name, rows, env, settings)}")


if __name__ == "__main__":
    main()
