"""The extraction bench's peer: a plain reader on the PyPI client `akeneo-api-client` (a dev
requirement; `make bench` installs it), in its own process, as a stage runs in its own.

    python -m pimflow.bench.peer '{"entity": "products", "channel": "ecommerce",
                                   "locales": ["en_US", "de_DE"]}'

It reads every product (or product model) with the query pimflow's extraction sends:
pages of 100, search_after, the channel as scope and its locales (and the options'
labels, for products); it decodes each page and keeps nothing, which is what any reader
must at least do. With `"queries"` (a partition's, from pimflow.akeneo.catalog
partition_queries) it reads exactly those searches instead, so that it reads the same
pages as a pimflow partition task. Prints one JSON line: items, pages, seconds, peak
RSS. The connection is `akeneo_default`'s (AIRFLOW_CONN_AKENEO_DEFAULT, as Airflow's
JSON form), read before the clock starts.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any


def peer_query(entity: str, channel: str, locales: list[str]) -> dict[str, Any]:
    """pimflow's partition query (pimflow/akeneo/catalog.py partition_queries) without the
    partition's families: one reader reads every family."""
    query: dict[str, Any] = {"scope": channel, "locales": ",".join(locales)}
    if entity == "products":
        query["with_attribute_options"] = "true"
    return query  # the client adds limit, pagination_type=search_after and with_count


def read_all(
    entity: str, channel: str, locales: list[str], queries: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Read `queries` (default: one search of every family) to the end, page by page."""
    from akeneo_api_client.client_builder import ClientBuilder

    connection = json.loads(os.environ["AIRFLOW_CONN_AKENEO_DEFAULT"])
    extra = connection.get("extra") or {}
    extra = json.loads(extra) if isinstance(extra, str) else extra
    started = time.perf_counter()
    client = ClientBuilder(connection["host"].rstrip("/")).build_authenticated_by_password(
        connection["login"], connection["password"], extra["client_id"], extra["client_secret"]
    )
    api = client.product_uuid_api if entity == "products" else client.product_model_api
    items = pages = 0
    for query in [peer_query(entity, channel, locales)] if queries is None else queries:
        # The client sets the page size and the pagination itself (in the dict it is given).
        params = {k: v for k, v in query.items() if k not in ("limit", "pagination_type")}
        for page in api.all(page_size=100, query_params=params):
            pages += 1
            items += len(page)
    return {
        "entity": entity,
        "items": items,
        "pages": pages,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    print(
        json.dumps(read_all(spec["entity"], spec["channel"], spec["locales"], spec.get("queries")))
    )


if __name__ == "__main__":
    main()
