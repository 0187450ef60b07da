"""The targets' command line: `python -m pimflow.targets [check|pools]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pimflow.targets.config import load_target_mapping, load_targets, pools


def main(argv: list[str] | None = None) -> int:
    """`python -m pimflow.targets [check|pools]`: check the targets file and every target's
    mapping and list the DAGs, or create (or resize) the pools the DAGs need, with the
    airflow CLI."""
    command = (argv if argv is not None else sys.argv[1:]) or ["check"]
    try:
        targets = load_targets()
        if command[0] == "check":
            for target in targets:
                load_target_mapping(target)
    except ValueError as exc:  # ConfigError: the file, the key and the reason
        print(exc, file=sys.stderr)
        return 1
    if command[0] == "check":
        for target in targets:
            print(
                f"{target.dag_id}: {target.type} → {target.connection}, schedule {target.schedule}"
            )
        return 0
    if command[0] == "pools":
        airflow = str(Path(sys.executable).with_name("airflow"))
        for name, (slots, description) in pools(targets).items():
            subprocess.run([airflow, "pools", "set", name, str(slots), description], check=True)
            print(f"pool {name}: {slots} slots")
        return 0
    print("usage: python -m pimflow.targets [check|pools]", file=sys.stderr)
    return 2
