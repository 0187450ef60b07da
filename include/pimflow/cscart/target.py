"""CS-Cart / Multi-Vendor as a pimflow target: what the core needs to know
(pimflow/targets/base.py)."""

from __future__ import annotations

from typing import Any

from pimflow.targets.base import ConnectionField, MappingCheck, ShopTarget, Stage

_STAGES = "pimflow.cscart.stages"


class CsCartTarget(ShopTarget):
    type_name = "cscart"
    title = "CS-Cart / Multi-Vendor"
    tooltip = "Write the staged catalog into CS-Cart / Multi-Vendor"
    hook_class = "pimflow.cscart.hook:CsCartHook"
    connection_type = "cscart"
    host_placeholder = "https://store.example.com"
    login_label = "Administrator e-mail"
    password_label = "API key"
    connection_fields = {
        "api_prefix": ConnectionField(
            "API prefix",
            "/api (default) or /api/2.",
            {"type": ["string", "null"], "default": "/api"},
        ),
        "company_id": ConnectionField(
            "Vendor / store id",
            "Multi-Vendor vendor or Store Builder store to write into.",
            {"type": ["integer", "null"]},
        ),
    }
    sandbox_name = "cscart"
    sandbox_port = 8083
    dag_doc = """
2. **cscart**: the category tree with its translations; one feature per mapped attribute
   with all its variants; products (texts per language, prices, weight, features,
   categories, images) with bounded concurrency, only what changed; in mode `reconcile`,
   products and categories gone from Akeneo disabled or deleted; product models as
   variation groups.
"""

    def load_mapping(self, path: str | None) -> Any:
        from pimflow.cscart.config import load_mapping

        return load_mapping(path)

    def check_mapping(self, mapping: Any, source: str, profile: Any) -> MappingCheck:
        """Keys the user wrote that name what the catalog lacks (or of the wrong type) are
        problems, defaults that do not apply notes (pimflow.cscart.defaults)."""
        from pimflow.cscart.defaults import check_mapping

        return check_mapping(mapping, source, profile)

    def stages(self) -> tuple[Stage, ...]:
        return (
            Stage(
                "categories",
                f"{_STAGES}:categories",
                doc="The channel's category tree, with its translations.",
            ),
            Stage(
                "features",
                f"{_STAGES}:features",
                needs=("akeneo.reference_entities", "akeneo.products", "akeneo.product_models"),
                doc="One feature per mapped attribute, every variant kept.",
            ),
            Stage(
                "products",
                f"{_STAGES}:products",
                needs=("akeneo.media", "categories", "features"),
                doc="Products mapped and written with bounded concurrency; only what changed.",
            ),
            Stage(
                "removals",
                f"{_STAGES}:removals",
                needs=("products",),
                doc="Products and categories gone from Akeneo: disabled, deleted or kept.",
            ),
            Stage(
                "variations",
                f"{_STAGES}:variations",
                needs=("removals",),
                doc="Product models as variation groups of their variant products.",
            ),
        )

    def dry_run_responder(self, hook: Any) -> Any:
        # CS-Cart gives ids to what it creates: a dry run answers with placeholders.
        from pimflow.cscart.responder import CsCartResponder

        return CsCartResponder(hook)

    def sandbox_connection(self, url: str) -> dict[str, Any]:
        return {
            "conn_type": "cscart",
            "host": url,
            "login": "admin@example.com",
            "password": "pimflow-api-key",
        }

    def bench(self, parser: Any) -> Any:
        parser.add_argument("--products", type=int, default=10_000)
        parser.add_argument("--latency-ms", type=float, default=20.0)
        parser.add_argument(
            "--concurrency",
            type=int,
            nargs="+",
            default=[1, 0],
            help="calls in flight to the shop; 0: the connection's default",
        )

        def run(args: Any) -> int:
            from pimflow.cscart.bench import main

            return main(
                args.products, args.latency_ms, args.concurrency, args.output / "cscart.json"
            )

        return run
