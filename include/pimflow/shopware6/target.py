"""Shopware 6 as a pimflow target: what the core needs to know (pimflow/targets/base.py)."""

from __future__ import annotations

from typing import Any

from pimflow.targets.base import MappingCheck, ShopTarget, Stage

_STAGES = "pimflow.shopware6.stages"


class Shopware6Target(ShopTarget):
    type_name = "shopware6"
    title = "Shopware 6"
    tooltip = "Write the staged catalog into Shopware 6"
    hook_class = "pimflow.shopware6.hook:Shopware6Hook"
    connection_type = "shopware6"
    host_placeholder = "https://shop.example.com"
    login_label = "Access key ID"
    password_label = "Secret access key"
    sandbox_name = "shopware6"
    sandbox_port = 8082
    dag_doc = """
2. **shopware6**: categories, properties and manufacturers, then the images, then
   parents, variants and simple products, then cross-sellings; only what changed since the
   last run is sent, in `/api/_action/sync` batches, with the links Akeneo removed deleted
   in the same call; refused products are reported, the rest lands. In mode `reconcile`,
   products that left Akeneo are deactivated (or deleted, per the mapping file).
"""

    def load_mapping(self, path: str | None) -> Any:
        from pimflow.shopware6.config import load_mapping

        return load_mapping(path)

    def check_mapping(self, mapping: Any, source: str, profile: Any) -> MappingCheck:
        from pimflow.shopware6.config import check_mapping

        return check_mapping(mapping, source, profile)

    def stages(self) -> tuple[Stage, ...]:
        return (
            Stage(
                "structure",
                f"{_STAGES}:structure",
                needs=("akeneo.media",),
                doc="Categories (the tree), property groups and options, manufacturers.",
            ),
            Stage(
                "media",
                f"{_STAGES}:media",
                needs=("structure",),
                doc="Every image the products show, uploaded once (media id from its hash).",
            ),
            Stage(
                "products",
                f"{_STAGES}:products",
                needs=("media",),
                doc="Parents, variants and simple products; then what left Akeneo.",
            ),
            Stage(
                "cross_sellings",
                f"{_STAGES}:cross_sellings",
                needs=("products",),
                doc="Associations → cross-sellings, once every product exists.",
            ),
        )

    def read_request(self, method: str, path: str) -> bool:
        # The Admin API's searches are POSTs: /api/search/<entity>, /api/search-ids/<entity>;
        # so is the token request (/api/oauth/token), which changes no catalog either.
        route = path.split("?", 1)[0]
        return super().read_request(method, path) or (
            method.upper() == "POST"
            and (
                "/api/search/" in route
                or "/api/search-ids/" in route
                or route == "/api/oauth/token"
            )
        )

    def sandbox_connection(self, url: str) -> dict[str, Any]:
        return {
            "conn_type": "shopware6",
            "host": url,
            "login": "pimflow",
            "password": "pimflow-secret",
        }

    def bench(self, parser: Any) -> Any:
        parser.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
        parser.add_argument("--batch-sizes", type=int, nargs="+", default=[250, 50, 100, 500])
        parser.add_argument("--naive-sample", type=int, default=10_000)
        parser.add_argument(
            "--latency-ms", type=float, default=20, help="the shop's per-call latency"
        )

        def run(args: Any) -> int:
            from pimflow.shopware6.bench import main

            return main(
                args.products,
                args.batch_sizes,
                args.naive_sample,
                args.latency_ms,
                args.output / "shopware6.json",
            )

        return run
