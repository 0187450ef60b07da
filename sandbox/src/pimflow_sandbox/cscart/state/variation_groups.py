"""Product variation groups: their features, attaching and detaching products."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.state.common import (
    CREATE_CATALOG_ITEM,
    CREATE_VARIATION_OF_CATALOG_ITEM,
    GROUP_CODE,
    RESULT_ADDED,
    RESULT_COMBINATION_EXISTS,
    RESULT_COMPANY_MISMATCH,
    RESULT_INVALID_FEATURE_VALUES,
    RESULT_NOTHING,
    VARIATION_PURPOSES,
    VARIATION_TYPES,
    _checked,
    bad,
    not_found,
)
from pimflow_sandbox.cscart.state.records import GroupFeature, Product, VariationGroup
from pimflow_sandbox.cscart.values import (
    param_values,
    to_id_list,
    to_int,
)

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state.records import FeatureValue


class VariationGroupsMixin:
    """Variation groups and the rules of their products."""

    # -- variation groups --------------------------------------------------------------------
    def find_group(self, ref: str) -> VariationGroup:
        """A group by its numeric ID or by its code, as /product_variations_groups/:id|:code."""
        ref = str(ref).strip()
        group_id = int(ref) if ref.isdigit() else self._group_codes.get(ref.lower(), 0)
        group = self.groups.get(group_id)
        if group is None:
            raise not_found()
        return group

    def _check_code(self, code: Any, group_id: int | None = None, required: bool = False) -> str:
        text = "" if code is None else str(code).strip()
        if not text:
            if required:
                raise bad("The variation group code is required")
            return ""
        if not GROUP_CODE.match(text):
            raise bad("The variation group code may contain only Latin letters, digits, - and _")
        owner = self._group_codes.get(text.lower())
        if owner is not None and owner != group_id:
            raise bad(f"A variation group with the code {text} already exists")
        return text

    def _generate_code(self) -> str:
        while True:
            code = "PV-" + "".join(self.rng.choice("0123456789ABCDEF") for _ in range(9))
            if code.lower() not in self._group_codes:
                return code

    def _group_features(self, raw: Any, base: Product | None) -> list[GroupFeature]:
        result: list[GroupFeature] = []
        if raw in (None, "", [], {}):
            if base is not None:
                for feature_id in sorted(base.features):
                    feature = self.features.get(feature_id)
                    if (
                        feature
                        and feature.purpose in VARIATION_PURPOSES
                        and feature.feature_type in VARIATION_TYPES
                    ):
                        result.append(GroupFeature(feature_id, feature.purpose))
            if not result:
                raise bad(
                    "The variation group has no features: give features, or give the first "
                    "product values of features whose purpose is a variation purpose"
                )
            return result
        items = list(raw.values()) if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            raise bad("field 'features' must be a list of {feature_id, purpose}")
        seen: set[int] = set()
        for item in items:
            if not isinstance(item, dict):
                raise bad("field 'features' must be a list of {feature_id, purpose}")
            feature_id = _checked(lambda item=item: to_int("feature_id", item.get("feature_id")))
            feature = self.features.get(feature_id)
            if feature is None:
                raise bad(f"feature {feature_id} does not exist")
            if feature.feature_type not in VARIATION_TYPES:
                raise bad(f"feature {feature_id} is not a select box (type S, N or E)")
            purpose = str(item.get("purpose") or feature.purpose)
            if purpose not in VARIATION_PURPOSES:
                raise bad(
                    f"feature {feature_id}: the purpose must be {CREATE_CATALOG_ITEM} or "
                    f"{CREATE_VARIATION_OF_CATALOG_ITEM}"
                )
            if feature_id not in seen:
                seen.add(feature_id)
                result.append(GroupFeature(feature_id, purpose))
        return result

    @staticmethod
    def _combination(product: Product, features: list[GroupFeature]) -> tuple[int, ...] | None:
        values = []
        for feature in features:
            value = product.features.get(feature.feature_id)
            if value is None or not value.variant_ids:
                return None
            values.append(value.variant_ids[0])
        return tuple(values)

    def _attach_check(
        self, features: list[GroupFeature], product: Product, others: list[tuple[Product, int]]
    ) -> tuple[int, int]:
        """Group::attachProduct's verdict and the parent it would give, changing nothing:
        distinct combinations, one vendor per group, and for "variations as one product" the
        first product of each catalog-item combination is the parent of the others."""
        combination = self._combination(product, features)
        if combination is None:
            return RESULT_INVALID_FEATURE_VALUES, 0
        if any(self._combination(member, features) == combination for member, _ in others):
            return RESULT_COMBINATION_EXISTS, 0
        if others and others[0][0].company_id != product.company_id:
            return RESULT_COMPANY_MISMATCH, 0
        parent_id = 0
        if any(f.purpose == CREATE_VARIATION_OF_CATALOG_ITEM for f in features):
            catalog = [f for f in features if f.purpose == CREATE_CATALOG_ITEM]
            key = self._combination(product, catalog)
            for member, member_parent in others:
                if member_parent == 0 and self._combination(member, catalog) == key:
                    parent_id = member.product_id
                    break
        return RESULT_ADDED, parent_id

    def _plan_attach(
        self, group: VariationGroup, product_ids: list[int]
    ) -> tuple[dict[int, int], dict[int, int], list[str]]:
        """(result per product, parent per added product, warnings) of attaching in order."""
        simulated = [
            (self.products[pid], self.products[pid].parent_product_id) for pid in group.product_ids
        ]
        statuses: dict[int, int] = {}
        parents: dict[int, int] = {}
        warnings: list[str] = []
        reasons = {
            RESULT_COMBINATION_EXISTS: "a product with the same combination of feature values "
            "is already in the group",
            RESULT_INVALID_FEATURE_VALUES: "it has no value for some of the group's features",
            RESULT_COMPANY_MISMATCH: "it belongs to another vendor than the group's products",
        }
        for product_id in product_ids:
            product = self.products.get(product_id)
            if product is None or product_id in statuses:
                continue
            if product_id in group.product_ids:
                statuses[product_id] = RESULT_NOTHING
                continue
            result, parent_id = self._attach_check(group.features, product, simulated)
            statuses[product_id] = result
            if result == RESULT_ADDED:
                simulated.append((product, parent_id))
                parents[product_id] = parent_id
                continue
            name = product.texts.get(self.default_language, {}).get("product", "")
            warnings.append(
                f'The product "{name}" (ID {product_id}) was not added to the variation group: '
                + reasons[result]
            )
        return statuses, parents, warnings

    def _commit_attach(self, group: VariationGroup, parents: dict[int, int]) -> None:
        for product_id, parent_id in parents.items():
            product = self.products[product_id]
            if product.variation_group_id and product.variation_group_id != group.id:
                self._detach_from_group(product)
            group.product_ids.append(product_id)
            product.variation_group_id = group.id
            product.parent_product_id = parent_id
            product.product_type = "V" if parent_id else "P"
        if parents:
            group.updated_at = self.now()

    def create_group(self, data: dict[str, Any]) -> tuple[VariationGroup, dict[int, int], str]:
        raw_ids = data.get("product_ids")
        product_ids = _checked(lambda: to_id_list("product_ids", raw_ids or []))
        if not product_ids:
            raise bad("The list of product IDs is empty")
        code = self._check_code(data.get("code"))
        features = self._group_features(data.get("features"), self.products.get(product_ids[0]))
        if not any(pid in self.products for pid in product_ids):
            raise bad("The list of product IDs is empty: none of the products exists")
        now = self.now()
        group = VariationGroup(
            id=self._ids.get("group", 0) + 1,
            code=code or self._generate_code(),
            features=features,
            product_ids=[],
            created_at=now,
            updated_at=now,
        )
        statuses, parents, warnings = self._plan_attach(group, product_ids)
        if not parents:
            raise bad("\n".join(warnings) or "No product could be added to the variation group")
        self._next("group")
        self.groups[group.id] = group
        self._group_codes[group.code.lower()] = group.id
        self._commit_attach(group, parents)
        return group, statuses, "\n".join(warnings)

    def attach_to_group(self, group_id: int, product_id: int) -> tuple[dict[int, int], str]:
        """moveProductsToGroup for one product (POST/PUT /product_variations)."""
        group = self.groups.get(group_id)
        if group is None:
            raise bad(f"The variation group {group_id} was not found")
        statuses, parents, warnings = self._plan_attach(group, [product_id])
        self._commit_attach(group, parents)
        return statuses, "\n".join(warnings)

    def update_group(self, ref: str, data: dict[str, Any]) -> VariationGroup:
        group = self.find_group(ref)
        code = self._check_code(data.get("code"), group.id, required=True)
        del self._group_codes[group.code.lower()]
        group.code = code
        self._group_codes[code.lower()] = group.id
        group.updated_at = self.now()
        return group

    def delete_group(self, ref: str) -> None:
        group = self.find_group(ref)
        for product_id in group.product_ids:
            product = self.products[product_id]
            product.variation_group_id = 0
            product.parent_product_id = 0
            product.product_type = "P"
        del self.groups[group.id]
        del self._group_codes[group.code.lower()]

    def _detach_from_group(self, product: Product) -> None:
        """Group::detachProductById: the first child of a leaving parent takes its place."""
        group = self.groups.get(product.variation_group_id)
        product.variation_group_id = 0
        product.parent_product_id = 0
        product.product_type = "P"
        if group is None:
            return
        group.product_ids = [pid for pid in group.product_ids if pid != product.product_id]
        children = [
            self.products[pid]
            for pid in group.product_ids
            if self.products[pid].parent_product_id == product.product_id
        ]
        if children:
            heir = children[0]
            heir.parent_product_id, heir.product_type = 0, "P"
            for child in children[1:]:
                child.parent_product_id = heir.product_id
        group.updated_at = self.now()
        if not group.product_ids:
            del self.groups[group.id]
            self._group_codes.pop(group.code.lower(), None)

    def _check_group_after(self, product: Product, changes: dict[int, FeatureValue | None]) -> None:
        """A grouped product keeps a complete combination, distinct from its group's others."""
        group = self.groups.get(product.variation_group_id)
        if group is None or not any(f.feature_id in changes for f in group.features):
            return
        after = Product(
            product.product_id,
            product.company_id,
            {},
            {},
            [],
            0,
            features={**product.features},
        )
        for feature_id, value in changes.items():
            if value is None:
                after.features.pop(feature_id, None)
            else:
                after.features[feature_id] = value
        combination = self._combination(after, group.features)
        if combination is None:
            raise bad(
                f"product {product.product_id} is in variation group {group.code}: it must keep "
                "a value for each of the group's features"
            )
        for pid in group.product_ids:
            if pid != product.product_id and (
                self._combination(self.products[pid], group.features) == combination
            ):
                raise bad(
                    f"product {pid} in variation group {group.code} already has this combination "
                    "of feature values"
                )

    def search_groups(self, params: dict[str, Any]) -> list[VariationGroup]:
        groups = sorted(self.groups.values(), key=lambda g: g.id)
        product_ids = param_values(params.get("product_ids"))
        if product_ids:
            wanted = set(_checked(lambda: to_id_list("product_ids", product_ids)))
            groups = [g for g in groups if wanted & set(g.product_ids)]
        elif param_values(params.get("feature_ids")):
            wanted = set(
                _checked(lambda: to_id_list("feature_ids", param_values(params["feature_ids"])))
            )
            groups = [g for g in groups if wanted & {f.feature_id for f in g.features}]
        return groups
