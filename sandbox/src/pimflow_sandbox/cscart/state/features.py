"""Product features of every type, and their variants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.state.common import (
    DEFAULT_COMPANY_ID,
    FEATURE_TYPES,
    PURPOSES,
    SELECTABLE_TYPES,
    VARIATION_PURPOSES,
    VARIATION_TYPES,
    _checked,
    bad,
    not_found,
)
from pimflow_sandbox.cscart.state.fields import (
    _FEATURE_DEFAULTS,
    FEATURE_FIELDS,
    FEATURE_TEXTS,
    VARIANT_TEXTS,
)
from pimflow_sandbox.cscart.state.records import Feature, Variant
from pimflow_sandbox.cscart.values import (
    param_values,
    to_decimal,
    to_id_list,
    to_int,
    to_str,
)

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state.records import VariationGroup


class FeaturesMixin:
    """Product features and their variants."""

    # -- features ----------------------------------------------------------------------------
    def feature(self, feature_id: int) -> Feature:
        feature = self.features.get(feature_id)
        if feature is None:
            raise not_found()
        return feature

    def _groups_using_feature(self, feature_id: int) -> list[VariationGroup]:
        return [
            g for g in self.groups.values() if any(f.feature_id == feature_id for f in g.features)
        ]

    def create_feature(self, data: dict[str, Any], lang: str) -> int:
        feature_type = str(data.get("feature_type") or "").strip().upper()
        description = str(data.get("description") or data.get("internal_name") or "").strip()
        if not feature_type:
            raise bad('Required field "feature_type" is missing')
        if not description:
            raise bad('Required field "description" is missing')
        if feature_type not in FEATURE_TYPES:
            raise bad(f"feature_type must be one of {', '.join(FEATURE_TYPES)}")
        company_id = (
            self._valid_company(data["company_id"])
            if data.get("company_id") not in (None, "")
            else DEFAULT_COMPANY_ID
        )
        parent_id = self._valid_feature_parent(data.get("parent_id"), feature_type)
        purpose, style, filter_style = self._purpose_and_styles(feature_type, data, None)
        fields = {name: spec.default for name, spec in FEATURE_FIELDS.items()}
        fields.update(self._coerce_fields(FEATURE_FIELDS, data))
        self._check_categories_path(fields["categories_path"])
        variants = self._variant_specs(data) if feature_type in SELECTABLE_TYPES else []
        feature_id = self._next("feature")
        now = self.now()
        texts: dict[str, dict[str, str]] = {
            code: dict.fromkeys(FEATURE_TEXTS, "") for code in self._all_langs()
        }
        self._set_texts(
            texts, {**data, "description": description}, FEATURE_TEXTS, self._all_langs()
        )
        internal = str(data.get("internal_name") or description)
        feature = Feature(
            feature_id,
            feature_type,
            company_id,
            parent_id,
            purpose,
            style,
            filter_style,
            internal,
            fields,
            texts,
            timestamp=now,
            updated_timestamp=now,
        )
        self.features[feature_id] = feature
        self._apply_variants(feature, variants, lang)
        return feature_id

    def _valid_feature_parent(self, value: Any, feature_type: str) -> int:
        parent_id = _checked(lambda: to_int("parent_id", value or 0))
        if parent_id:
            parent = self.features.get(parent_id)
            if parent is None or parent.feature_type != "G":
                raise bad(f"parent_id {parent_id} is not a feature group")
            if feature_type == "G":
                raise bad("a feature group cannot be put into another group")
        return parent_id

    def _purpose_and_styles(
        self, feature_type: str, data: dict[str, Any], old: Feature | None
    ) -> tuple[str, str, str]:
        purpose = str(data.get("purpose") or "").strip()
        if purpose and purpose not in PURPOSES:
            raise bad(f"purpose must be one of {', '.join(PURPOSES)}")
        if purpose in VARIATION_PURPOSES and feature_type not in VARIATION_TYPES:
            raise bad("variation purposes need a feature of type S, N or E (select box)")
        default_purpose, default_style, default_filter = _FEATURE_DEFAULTS[feature_type]
        if not purpose:
            purpose = old.purpose if old and old.feature_type == feature_type else default_purpose
        style = str(data.get("feature_style") or "").strip()
        filter_style = str(data.get("filter_style") or "").strip()
        if purpose in VARIATION_PURPOSES:
            default_style = "dropdown"
        if not style:
            style = old.feature_style if old and old.feature_type == feature_type else default_style
        if not filter_style:
            filter_style = (
                old.filter_style if old and old.feature_type == feature_type else default_filter
            )
        return purpose, style, filter_style

    def _check_categories_path(self, path: str) -> None:
        for part in path.split(","):
            if part.strip():
                category_id = _checked(lambda part=part: to_int("categories_path", part))
                if category_id not in self.categories:
                    raise bad(f"categories_path names category {category_id}, which does not exist")

    @staticmethod
    def _variant_specs(data: dict[str, Any]) -> list[dict[str, Any]]:
        raw = data.get("variants")
        if raw in (None, "", [], {}):
            return []
        items = list(raw.values()) if isinstance(raw, dict) else raw
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            raise bad("field 'variants' must be a list (or object) of variant objects")
        return items

    def _apply_variants(
        self, feature: Feature, specs: list[dict[str, Any]], lang: str
    ) -> list[int]:
        """fn_update_product_feature_variant for each: an ID updates, a known name is reused,
        anything else is a new variant (with its texts in every language)."""
        kept: list[int] = []
        for spec in specs:
            name = spec.get("variant")
            name = "" if name is None else str(name)
            if name.strip() == "" and name != "0":
                continue  # CS-Cart skips a variant without a name
            variant_id = 0
            if spec.get("variant_id") not in (None, ""):
                wanted = _checked(lambda spec=spec: to_int("variant_id", spec["variant_id"]))
                if wanted in feature.variants:
                    variant_id = wanted
            same_name = next(
                (
                    v.variant_id
                    for v in feature.variants.values()
                    if v.texts.get(lang, {}).get("variant", "").lower() == name.lower()
                    and v.variant_id != variant_id
                ),
                0,
            )
            if same_name and variant_id:
                kept.append(variant_id)  # a duplicate name: CS-Cart warns and changes nothing
                continue
            variant_id = variant_id or same_name
            if variant_id:
                variant = feature.variants[variant_id]
                self._set_texts(variant.texts, spec, VARIANT_TEXTS, [lang])
            else:
                variant_id = self._next("variant")
                variant = Variant(variant_id, feature.feature_id)
                variant.texts = {
                    code: dict.fromkeys(VARIANT_TEXTS, "") for code in self._all_langs()
                }
                self._set_texts(variant.texts, spec, VARIANT_TEXTS, self._all_langs())
                feature.variants[variant_id] = variant
                self.variants[variant_id] = variant
            if "position" in spec:
                variant.position = _checked(lambda spec=spec: to_int("position", spec["position"]))
            for name_ in ("url", "color"):
                if name_ in spec:
                    setattr(variant, name_, _checked(lambda n=name_, s=spec: to_str(n, s[n])))
            if feature.feature_type == "N":
                _checked(lambda name=name: to_decimal("variant", name, 2))  # a number feature
            kept.append(variant_id)
        return kept

    def update_feature(self, feature_id: int, data: dict[str, Any], lang: str) -> None:
        feature = self.feature(feature_id)
        feature_type = str(data.get("feature_type") or feature.feature_type).strip().upper()
        if feature_type not in FEATURE_TYPES:
            raise bad(f"feature_type must be one of {', '.join(FEATURE_TYPES)}")
        if feature_type != feature.feature_type and self._groups_using_feature(feature_id):
            raise bad("the feature is used by a variation group; its type cannot change")
        company_id = (
            self._valid_company(data["company_id"])
            if data.get("company_id") not in (None, "")
            else feature.company_id
        )
        parent_id = (
            self._valid_feature_parent(data.get("parent_id"), feature_type)
            if "parent_id" in data
            else feature.parent_id
        )
        purpose, style, filter_style = self._purpose_and_styles(feature_type, data, feature)
        if purpose not in VARIATION_PURPOSES and self._groups_using_feature(feature_id):
            raise bad("the feature is used by a variation group; it must keep a variation purpose")
        changes = self._coerce_fields(FEATURE_FIELDS, data)
        if "categories_path" in changes:
            self._check_categories_path(changes["categories_path"])
        specs = self._variant_specs(data) if feature_type in SELECTABLE_TYPES else []
        if "description" in data and not str(data["description"] or "").strip():
            raise bad("the feature name (description) cannot be empty")
        # validated: apply
        old_type = feature.feature_type
        feature.feature_type = feature_type
        feature.company_id = company_id
        feature.parent_id = parent_id
        feature.purpose, feature.feature_style, feature.filter_style = purpose, style, filter_style
        feature.fields.update(changes)
        if str(data.get("internal_name") or "").strip():
            feature.internal_name = str(data["internal_name"]).strip()
        self._set_texts(feature.texts, data, FEATURE_TEXTS, [lang])
        feature.updated_timestamp = self.now()
        if old_type != feature_type and (
            old_type not in SELECTABLE_TYPES or feature_type not in SELECTABLE_TYPES
        ):
            self._drop_variants(feature, list(feature.variants))
            self._drop_values(feature_id)
        if specs:
            # Features::update passes every existing variant as original_var_ids: a variant
            # the request leaves out is deleted, with the product values that used it.
            kept = self._apply_variants(feature, specs, lang)
            self._drop_variants(feature, [v for v in feature.variants if v not in kept])
        if "categories_path" in changes and changes["categories_path"]:
            allowed = self._category_descendants(
                int(p) for p in changes["categories_path"].split(",") if p.strip()
            )
            for product in self.products.values():
                if feature_id in product.features and not set(product.category_ids) & allowed:
                    del product.features[feature_id]

    def _drop_variants(self, feature: Feature, variant_ids: list[int]) -> None:
        gone = set(variant_ids)
        if not gone:
            return
        for variant_id in gone:
            feature.variants.pop(variant_id, None)
            self.variants.pop(variant_id, None)
        for product in self.products.values():
            value = product.features.get(feature.feature_id)
            if value and set(value.variant_ids) & gone:
                value.variant_ids = [v for v in value.variant_ids if v not in gone]
                if not value.variant_ids:
                    del product.features[feature.feature_id]

    def _drop_values(self, feature_id: int) -> None:
        for product in self.products.values():
            product.features.pop(feature_id, None)

    def delete_feature(self, feature_id: int) -> None:
        feature = self.feature(feature_id)
        if self._groups_using_feature(feature_id):
            raise bad("the feature is used by a variation group and cannot be deleted")
        if feature.feature_type == "G":
            for child in [f for f in self.features.values() if f.parent_id == feature_id]:
                self.delete_feature(child.feature_id)
        self._drop_variants(feature, list(feature.variants))
        self._drop_values(feature_id)
        del self.features[feature_id]

    def search_features(self, params: dict[str, Any], lang: str) -> list[Feature]:
        found = list(self.features.values())
        types = [t.upper() for t in param_values(params.get("feature_types"))]
        if types:
            found = [f for f in found if f.feature_type in types]
        ids = param_values(params.get("feature_id"))
        if ids:
            wanted = set(_checked(lambda: to_id_list("feature_id", ids)))
            found = [f for f in found if f.feature_id in wanted]
        parents = param_values(params.get("parent_id"))
        if parents:
            wanted = set(_checked(lambda: [to_int("parent_id", p) for p in parents]))
            found = [f for f in found if f.parent_id in wanted]
        statuses = [s.upper() for s in param_values(params.get("status"))]
        if statuses:
            found = [f for f in found if f.fields["status"] in statuses]
        exclude_group = str(params.get("exclude_group") or "").upper() in ("Y", "1", "TRUE")
        if exclude_group:
            found = [f for f in found if f.feature_type != "G"]
        found.sort(
            key=lambda f: (
                f.fields["position"],
                f.texts.get(lang, {}).get("description", "").lower(),
                f.feature_id,
            )
        )
        return found
