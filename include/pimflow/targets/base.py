"""The interface a shop target implements: everything the core needs to know about a shop.

A target is one package (pimflow's own two, or a third party's) with one
`ShopTarget` subclass, registered under the entry-point group `pimflow.targets`
(pimflow/targets/registry.py). The DAG builder, the stage runner, the provider's
connection types, `make demo`/`make sync` and `make up` loop over the registered targets
and never name one, so a new shop needs no edit outside its own package
(docs/adding-a-target.md).

What a target declares:

- `type_name`, `title`: the `type:` of the targets file, and the name people read;
- its hook (`hook_class`, a dotted path, imported only when a task runs) and the
  Airflow connection type of its connections (`connection_type`, `connection_fields`);
- its mapping: `load_mapping(path)` returns the validated mapping model (the default
  mapping file when `path` is None), so a broken mapping is a DAG import error;
- its upload stages, in order (`stages()`): each a name, what it waits for, and the
  callable the stage runner calls with a `StageContext`;
- which of its hook's calls only read (`read_request`) and how its shop answers the others
  in a dry run (`dry_run_responder`): the core's recorder (pimflow/dry_run.py) does the rest;
- its DAG docs (`dag_doc`), and its sandbox defaults for `make demo`/`make up`
  (`sandbox_connection`, `sandbox_port`).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

# What the extraction hands to the upload stages, by name; a stage lists those it waits
# for in `needs` (with the names of earlier stages of its own target).
EXTRACTION_OUTPUTS = (
    "akeneo.structure",
    "akeneo.product_models",
    "akeneo.products",
    "akeneo.reference_entities",
    "akeneo.assets",
    "akeneo.associations",
    "akeneo.media",
)


@dataclass
class StageContext:
    """What a stage gets from the runner: one task's hook, state store and run folder.

    The runner opens the hook and the store before the stage and closes them after it;
    for a dry run both are its stand-ins (pimflow/dry_run.py: writes recorded, nothing
    reaches the shop or the real store), so a stage never needs to know whether it is one;
    `dry_run` only tells it (not to start a media server the shop would never fetch from).
    """

    target: Any  # pimflow.targets.config.Target: the configured target (name, connection, ...)
    hook: Any  # the target's hook (in a dry run, recorded)
    store: Any  # the state store (or its dry-run overlay)
    folder: Any  # the run's ObjectStoragePath of staged data
    structure: Mapping[str, Any]  # the akeneo.structure summary: channel, locales, mode, ...
    inputs: Mapping[str, Any]  # the XComs of the stages listed in `needs`
    params: Mapping[str, Any]  # the run's params
    mapping: Any  # the target's validated mapping
    dry_run: bool = False

    @property
    def reconcile(self) -> bool:
        """A reconcile read the target's whole scope: what is missing left Akeneo."""
        return bool(self.structure.get("reconcile"))

    @property
    def complete_read(self) -> bool:
        """Every product of the filter was read (a full read, no product limit)."""
        return self.structure.get("mode", "full") == "full" and not self.params.get("product_limit")


StageFunction = Callable[[StageContext], Mapping[str, Any]]


@dataclass(frozen=True)
class Stage:
    """One upload stage, one Airflow task `<type_name>.<name>` in the target's task group.

    `run` is a dotted path `module:function` (imported when the task runs, so parsing a
    DAG file stays cheap) or the function itself. It returns the stage's summary for the
    report (`{"counts": ..., "errors": [...], ...}`); the runner adds the calls made.
    """

    name: str
    run: str | StageFunction
    needs: tuple[str, ...] = ()
    doc: str = ""

    def function(self) -> StageFunction:
        if callable(self.run):
            return self.run
        module, _, name = self.run.partition(":")
        return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class MappingProblem:
    """A key the user wrote that cannot work with this catalog: the run fails before any
    write, and this is the first thing the user reads."""

    key: str  # the key path in the mapping file: `manufacturer`, `images.attributes`
    attribute: str  # the Akeneo attribute it names
    reason: str  # why, and what exists instead ("did you mean …")


@dataclass
class MappingCheck:
    """A target's mapping checked against the catalog's structure (pimflow/akeneo/profile.py)."""

    source: str  # the mapping file, or "the default mapping"
    problems: list[MappingProblem] = field(default_factory=list)
    # Defaults whose attribute this catalog lacks: skipped, said once in the report.
    notes: list[str] = field(default_factory=list)
    # Shop field → what it comes from, for `python -m pimflow.targets check --against-akeneo`.
    resolved: dict[str, str] = field(default_factory=dict)

    def message(self) -> str | None:
        """The first problem in words (file, key, attribute, reason); None if there is none."""
        if not self.problems:
            return None
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"mapping {self.source}: {first.key}: {first.reason}{more}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "problems": [vars(p) for p in self.problems],
            "notes": list(self.notes),
            "resolved": dict(self.resolved),
        }


@dataclass(frozen=True)
class ConnectionField:
    """An extra field of the target's connection form (Airflow's `conn-fields`)."""

    label: str
    description: str
    schema: dict[str, Any] = field(default_factory=dict)


class ShopTarget(ABC):
    """A shop pimflow writes into. Subclass it in the target's package (see the module)."""

    type_name: ClassVar[str]
    title: ClassVar[str]
    tooltip: ClassVar[str] = ""
    hook_class: ClassVar[str]  # "package.module:HookClass"
    connection_type: ClassVar[str]
    # The connection form: placeholders and labels of the standard fields, extra fields.
    host_placeholder: ClassVar[str] = "https://shop.example.com"
    login_label: ClassVar[str] = "Login"
    password_label: ClassVar[str] = "Password"
    connection_fields: ClassVar[Mapping[str, ConnectionField]] = {}
    dag_doc: ClassVar[str] = ""  # Markdown: what the upload stages do, for the DAG's docs
    # The sandbox this target's shop is emulated by (pimflow-sandbox <sandbox_name>).
    sandbox_name: ClassVar[str | None] = None
    sandbox_port: ClassVar[int | None] = None

    @property
    def default_connection(self) -> str:
        return f"{self.type_name}_default"

    def hook_type(self) -> type:
        module, _, name = self.hook_class.partition(":")
        return getattr(importlib.import_module(module), name)

    def hook(self, conn_id: str) -> Any:
        """The target's hook on one connection."""
        return self.hook_type()(conn_id)

    @abstractmethod
    def load_mapping(self, path: str | None) -> Any:
        """The validated mapping of a target of this type (`path` None: the default)."""

    @abstractmethod
    def stages(self) -> tuple[Stage, ...]:
        """The upload stages, in the order they run."""

    def check_mapping(self, mapping: Any, source: str, profile: Any) -> MappingCheck:
        """Check the validated mapping against the catalog (a CatalogProfile) before any shop
        write: keys the user wrote that name a missing attribute, or one of the wrong type,
        are problems; defaults that do not apply are notes. By default: nothing to check."""
        return MappingCheck(source)

    def read_request(self, method: str, path: str) -> bool:
        """Whether a call only reads (a dry run sends it): by default GET and HEAD. A
        target whose searches are POSTs says so here."""
        return method.upper() in ("GET", "HEAD")

    def dry_run_responder(self, hook: Any) -> Any:
        """What answers, in a dry run, the calls of `hook` that are not reads (a
        pimflow.dry_run.Responder): by default 200 with an empty JSON body, enough for a
        target that only checks the status. A target whose stages use the answers (ids
        of what was created) gives its own."""
        from pimflow.dry_run import Responder

        return Responder()

    def sandbox_connection(self, url: str) -> dict[str, Any] | None:
        """The Airflow connection (as AIRFLOW_CONN_ JSON fields) to this target's sandbox
        at `url`, for `make demo`, `make sync` without connections and `make up`."""
        return None

    def bench(self, parser: Any) -> Callable[[Any], int] | None:
        """Add the target's benchmark's arguments to `parser` (an argparse parser) and
        return the function that runs it with the parsed args; None: no benchmark."""
        return None
