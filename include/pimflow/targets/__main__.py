"""python -m pimflow.targets [check|pools]"""

from __future__ import annotations

from pimflow.targets.cli import main

raise SystemExit(main())
