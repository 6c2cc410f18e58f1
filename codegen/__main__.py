"""`python -m codegen [--check]`, run by scripts/generate from the repo root."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .pipeline import SPEC, compare, generate_all, sync
from .spec import SpecError
from .tools import REPO_ROOT, Toolchain, ToolError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/generate", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if the committed generated code is stale"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="streamspec-generate-") as tmp:
        generated = Path(tmp) / "out"
        try:
            generate_all(REPO_ROOT / SPEC, generated, Path(tmp) / "work", Toolchain.for_repo())
        except (SpecError, ToolError) as error:
            print(f"scripts/generate: {error}", file=sys.stderr)
            return 2
        if args.check:
            drift = compare(generated, REPO_ROOT)
            if drift:
                for item in drift:
                    print(item, file=sys.stderr)
                print("run scripts/generate", file=sys.stderr)
                return 1
            print("generated code is fresh")
            return 0
        for item in sync(generated, REPO_ROOT):
            print(f"{'removed' if item.kind == 'extra' else 'wrote'} {item.path.as_posix()}")
        print("generated code is fresh")
        return 0


if __name__ == "__main__":
    sys.exit(main())
