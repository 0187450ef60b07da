"""The targets' command line:

    python -m pimflow.targets check                   # the targets file and every mapping
    python -m pimflow.targets check --against-akeneo  # and each mapping against the catalog
    python -m pimflow.targets pools                   # create or resize the DAGs' pools

`--against-akeneo` reads the catalog's structure (attributes, families) through each
target's Akeneo connection (`AIRFLOW_CONN_AKENEO_DEFAULT`, ...) and runs the same check a
run's structure stage does before any shop write: it prints, per target, what each shop
field comes from, the defaults skipped, and the keys that cannot work (exit 1).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from pimflow.targets.config import Target, load_target_mapping, load_targets, pools


def catalog_profile(akeneo_connection: str) -> Any:
    """The catalog's structure, read from Akeneo (a CatalogProfile)."""
    from pimflow.akeneo.profile import CatalogProfile
    from pimflow.hooks.akeneo import AkeneoHook

    hook = AkeneoHook(akeneo_connection)
    try:
        return CatalogProfile.from_rows(
            hook.iter_items("/attributes"), hook.iter_items("/families")
        )
    finally:
        hook.close()


def check_against_akeneo(target: Target, profile: Any) -> tuple[bool, list[str]]:
    """(whether the mapping can work, the lines that say what it resolves to)."""
    check = target.shop.check_mapping(
        load_target_mapping(target), target.mapping or "(the default mapping)", profile
    )
    lines = [f"  mapping: {check.source}"]
    lines += [f"    {field:<20} ← {source}" for field, source in check.resolved.items()]
    lines += [f"  note: {note}" for note in check.notes]
    lines += [f"  PROBLEM: {p.key}: {p.reason}" for p in check.problems]
    return not check.problems, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pimflow.targets")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="check the targets file and every target's mapping")
    check.add_argument(
        "--against-akeneo",
        action="store_true",
        help="also check each mapping against the catalog, through the Akeneo connection",
    )
    sub.add_parser("pools", help="create or resize the pools the DAGs need")
    try:
        args = parser.parse_args((argv if argv is not None else sys.argv[1:]) or ["check"])
    except SystemExit as exc:
        return int(exc.code or 0) or 2
    try:
        targets = load_targets()
        if args.command == "check":
            for target in targets:
                load_target_mapping(target)
    except ValueError as exc:  # ConfigError: the file, the key and the reason
        print(exc, file=sys.stderr)
        return 1
    if args.command == "check":
        ok = True
        profiles: dict[str, Any] = {}
        for target in targets:
            print(
                f"{target.dag_id}: {target.type} → {target.connection}, schedule {target.schedule}"
            )
            if not args.against_akeneo:
                continue
            if target.akeneo_connection not in profiles:
                try:
                    profiles[target.akeneo_connection] = catalog_profile(target.akeneo_connection)
                except Exception as exc:  # noqa: BLE001 - the reason, carrying no secret
                    print(f"  cannot read Akeneo ({target.akeneo_connection}): {exc}")
                    ok = False
                    continue
            fits, lines = check_against_akeneo(target, profiles[target.akeneo_connection])
            ok = ok and fits
            print("\n".join(lines))
        return 0 if ok else 1
    airflow = str(Path(sys.executable).with_name("airflow"))
    for name, (slots, description) in pools(targets).items():
        subprocess.run([airflow, "pools", "set", name, str(slots), description], check=True)
        print(f"pool {name}: {slots} slots")
    return 0
