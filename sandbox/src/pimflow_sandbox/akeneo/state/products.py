"""Products: bulk loads, the writes (fields, values, associations, uniqueness, axes) and
deletes."""

from __future__ import annotations

import bisect
import copy
import uuid as uuid_module
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.akeneo.errors import (
    BadRequest,
    DocumentedUnprocessable,
    NotFound,
    Unprocessable,
    ValidationFailed,
    type_error,
    unknown_property,
    violation,
)
from pimflow_sandbox.akeneo.state.core import READ_ONLY_PRODUCT_FIELDS, UUID_RE, Product
from pimflow_sandbox.akeneo.values import (
    IDENTIFIER,
    ValueKey,
    check_locale_scope,
    normalize_data,
    parse_values,
    vkey,
)

if TYPE_CHECKING:
    from pimflow_sandbox.akeneo.state.core import ProductModel


class ProductsMixin:
    """Writes and deletes of products."""

    # -- products: writes ------------------------------------------------------------------------
    def _insert_product(self, product: Product) -> None:
        self.products[product.uuid] = product
        bisect.insort(self.sorted_uuids, product.uuid)

    def add_generated_product(self, product: Product) -> None:
        """Fast path of the generator: the data is valid by construction."""
        self.products[product.uuid] = product
        self.sorted_uuids.append(product.uuid)
        if product.identifier is not None:
            self.by_identifier[product.identifier.lower()] = product.uuid
        if product.parent is not None:
            self.children_products.setdefault(product.parent, set()).add(product.uuid)

    def finish_bulk_load(self) -> None:
        self.sorted_uuids.sort()
        self.sorted_models.sort()

    def add_generated_model(self, model: ProductModel) -> None:
        self.product_models[model.code] = model
        self.sorted_models.append((model.seq, model.code))
        self.model_seq = max(self.model_seq, model.seq)
        if model.parent is not None:
            self.children_models.setdefault(model.parent, set()).add(model.code)

    def _check_fields(self, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for prop in data:
            if prop not in allowed and prop not in READ_ONLY_PRODUCT_FIELDS and prop != "_links":
                raise unknown_property(prop)

    def _apply_common(
        self,
        target: Product | ProductModel,
        data: dict[str, Any],
        errors: list[dict[str, Any]],
        *,
        is_model: bool,
        by: str,
    ) -> None:
        """Categories, values and associations, shared by products and product models."""
        if "categories" in data:
            categories = data["categories"]
            if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
                raise type_error("categories", "an array", categories)
            for code in categories:
                if code not in self.categories:
                    raise DocumentedUnprocessable(
                        f"The {code} category does not exist in your PIM."
                    )
            target.categories = tuple(dict.fromkeys(categories))
        if "values" in data:
            parsed = parse_values(self, data["values"])
            allowed = self.variant_level_attributes(target, is_model)
            values = dict(target.values)
            for attribute, locale, scope, raw in parsed:
                if allowed is not None and attribute["code"] not in allowed:
                    continue  # Akeneo's attribute filter drops values of other levels/families
                if not check_locale_scope(self, attribute, locale, scope, errors):
                    continue
                normalized = normalize_data(self, attribute, locale, scope, raw, errors)
                key = vkey(attribute["code"], locale, scope)
                if normalized is None:
                    values.pop(key, None)
                else:
                    values[key] = normalized
            target.values = values
        if "associations" in data:
            target.associations = self._parse_associations(
                target.associations, data["associations"], by
            )
        if "quantified_associations" in data:
            target.quantified = self._parse_quantified(
                target.quantified, data["quantified_associations"], by
            )

    def _parse_associations(self, current: dict[str, Any], raw: Any, by: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise type_error("associations", "an array", raw)
        result = copy.deepcopy(current)
        for type_code, links in raw.items():
            association_type = self.association_types.get(type_code)
            if association_type is None or association_type["is_quantified"]:
                raise DocumentedUnprocessable(
                    f'Property "associations" expects a valid association type code. The association '
                    f'type does not exist or is quantified, "{type_code}" given.'
                )
            if not isinstance(links, dict):
                raise type_error("associations", "an array", links)
            entry = result.setdefault(
                type_code, {"products": [], "product_models": [], "groups": []}
            )
            for key, codes in links.items():
                if key not in ("products", "product_models", "groups"):
                    raise unknown_property(f"associations.{type_code}.{key}")
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise type_error("associations", "an array", codes)
                resolved = []
                for code in codes:
                    if key == "products":
                        product = self.find_product(code, by)
                        if product is None:
                            raise DocumentedUnprocessable(
                                f'Property "associations" expects a valid product {"uuid" if by == "uuid" else "identifier"}. '
                                f'The product does not exist, "{code}" given.'
                            )
                        resolved.append(product.uuid)
                    elif key == "product_models":
                        if code not in self.product_models:
                            raise DocumentedUnprocessable(
                                'Property "associations" expects a valid product model identifier. '
                                f'The product model does not exist, "{code}" given.'
                            )
                        resolved.append(code)
                    else:
                        raise DocumentedUnprocessable(
                            'Property "associations" expects a valid group code. The group does not '
                            f'exist, "{code}" given.'
                        )
                entry[key] = list(dict.fromkeys(resolved))
            if not any(entry.values()):
                result.pop(type_code)
        return result

    def _parse_quantified(self, current: dict[str, Any], raw: Any, by: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise type_error("quantified_associations", "an array", raw)
        result = copy.deepcopy(current)
        for type_code, links in raw.items():
            association_type = self.association_types.get(type_code)
            if association_type is None or not association_type["is_quantified"]:
                raise DocumentedUnprocessable(
                    'Property "quantified_associations" expects a valid quantified association type '
                    f'code. The association type does not exist or is not quantified, "{type_code}" given.'
                )
            if not isinstance(links, dict):
                raise type_error("quantified_associations", "an array", links)
            entry = result.setdefault(type_code, {"products": [], "product_models": []})
            for key, items in links.items():
                if key not in ("products", "product_models"):
                    raise unknown_property(f"quantified_associations.{type_code}.{key}")
                if not isinstance(items, list):
                    raise type_error("quantified_associations", "an array", items)
                pairs = []
                for item in items:
                    if not isinstance(item, dict) or "quantity" not in item:
                        raise DocumentedUnprocessable(
                            'Property "quantified_associations" expects an array with the keys '
                            '"uuid" or "identifier" and "quantity".'
                        )
                    quantity = item["quantity"]
                    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                        raise ValidationFailed(
                            [
                                violation(
                                    "quantified_associations",
                                    "The quantity must be a positive integer.",
                                )
                            ]
                        )
                    if key == "products":
                        ref = (
                            item.get("uuid")
                            if by == "uuid" and "uuid" in item
                            else item.get("identifier")
                        )
                        product = self.find_product(
                            ref or "", "uuid" if by == "uuid" and "uuid" in item else "identifier"
                        )
                        if product is None:
                            raise DocumentedUnprocessable(
                                'Property "quantified_associations" expects a valid product. The product '
                                f'does not exist, "{ref}" given.'
                            )
                        pairs.append((product.uuid, quantity))
                    else:
                        ref = item.get("identifier") or item.get("code")
                        if ref not in self.product_models:
                            raise DocumentedUnprocessable(
                                'Property "quantified_associations" expects a valid product model. The '
                                f'product model does not exist, "{ref}" given.'
                            )
                        pairs.append((ref, quantity))
                entry[key] = pairs
            if not any(entry.values()):
                result.pop(type_code)
        return result

    def write_product(
        self, data: Any, *, by: str, key: str | None, mode: str
    ) -> tuple[bool, Product]:
        """Create or update a product; `by` is `uuid` or `identifier` (the endpoint family)."""
        if not isinstance(data, dict):
            raise BadRequest("Invalid json message received")
        identifier_code = self.identifier_attribute()
        allowed = (
            "uuid",
            "identifier",
            "enabled",
            "family",
            "categories",
            "groups",
            "parent",
            "values",
            "associations",
            "quantified_associations",
        )
        self._check_fields(data, allowed)
        product: Product | None = None
        if by == "uuid":
            body_uuid = data.get("uuid")
            if body_uuid is not None and not isinstance(body_uuid, str):
                raise type_error("uuid", "a string", body_uuid)
            if key is not None and body_uuid is not None and body_uuid.lower() != key.lower():
                raise Unprocessable(
                    f'The uuid "{body_uuid}" provided in the request body must match the uuid "{key}" provided in the url.'
                )
            target_uuid = (key or body_uuid or "").lower() or None
            if target_uuid is not None and not UUID_RE.match(target_uuid):
                raise Unprocessable(f'The uuid "{target_uuid}" is not a valid uuid.')
            if target_uuid is not None:
                product = self.products.get(target_uuid)
        else:
            body_identifier = data.get("identifier")
            if body_identifier is not None and not isinstance(body_identifier, str):
                raise type_error("identifier", "a string", body_identifier)
            if key is not None and body_identifier is not None and body_identifier != key:
                raise Unprocessable(
                    f'The identifier "{body_identifier}" provided in the request body must match the identifier "{key}" provided in the url.'
                )
            wanted = key if key is not None else body_identifier
            if not wanted:
                raise ValidationFailed(
                    [
                        violation(
                            "identifier",
                            "The identifier attribute cannot be empty.",
                            attribute=identifier_code,
                        )
                    ]
                )
            product = self.find_product(wanted, "identifier")
            target_uuid = None
            if product is None and isinstance(data.get("uuid"), str):
                target_uuid = data["uuid"].lower()
        if product is not None and mode == "create":
            raise ValidationFailed(
                [
                    violation(
                        "identifier",
                        "The same identifier is already set on another product",
                        attribute=identifier_code,
                    )
                ]
                if by == "identifier"
                else [violation("uuid", "The same uuid is already set on another product")]
            )
        created = product is None
        if created:
            product = Product(target_uuid or str(uuid_module.uuid4()))
        assert product is not None
        before = product.state()
        work = Product(product.uuid)
        for slot in Product.__slots__:
            setattr(work, slot, getattr(product, slot))
        errors: list[dict[str, Any]] = []
        if "enabled" in data:
            if not isinstance(data["enabled"], bool):
                raise type_error("enabled", "a boolean", data["enabled"])
            work.enabled = data["enabled"]
        if "groups" in data:
            groups = data["groups"]
            if not isinstance(groups, list):
                raise type_error("groups", "an array", groups)
            for group in groups:
                raise DocumentedUnprocessable(
                    f'Property "groups" expects a valid group code. The group does not exist, "{group}" given.'
                )
            work.groups = ()
        if "parent" in data:
            parent = data["parent"]
            if parent is not None and not isinstance(parent, str):
                raise type_error("parent", "a string", parent)
            if parent in (None, ""):
                if work.parent is not None:
                    work.values = {**self.merged_values(work)}  # convert variant to simple
                    work.categories = tuple(self.merged_categories(work))
                work.parent = None
            else:
                model = self.product_models.get(parent)
                if model is None:
                    raise DocumentedUnprocessable(
                        f'Property "parent" expects a valid product model code. The product model does not exist, "{parent}" given.'
                    )
                variant = self.family_variants.get(model.family_variant)
                levels = len(variant["variant_attribute_sets"]) if variant else 1
                if len(self.ancestors(parent)) != levels:
                    errors.append(
                        violation(
                            "parent",
                            f'The variant product "{work.identifier or work.uuid}" cannot have product model "{parent}" as '
                            "parent, (this product model can only have other product models as children)",
                        )
                    )
                work.parent = parent
                work.family = model.family
        if "family" in data:
            family = data["family"]
            if family is not None and not isinstance(family, str):
                raise type_error("family", "a string", family)
            if family is not None and family not in self.families:
                raise DocumentedUnprocessable(
                    f'Property "family" expects a valid family code. The family does not exist, "{family}" given.'
                )
            if work.parent is not None and family != self.product_models[work.parent].family:
                errors.append(
                    violation(
                        "family", "The variant product family must be the same than its parent"
                    )
                )
            else:
                work.family = family
        values_data = data.get("values")
        identifier_value = data.get("identifier") if by == "identifier" else None
        if identifier_value is None and by == "identifier" and key is not None:
            identifier_value = key
        if identifier_code and identifier_value is not None:
            values_data = (
                dict(values_data)
                if isinstance(values_data, dict)
                else ({} if values_data is None else values_data)
            )
            if isinstance(values_data, dict):
                values_data[identifier_code] = [
                    {"locale": None, "scope": None, "data": identifier_value}
                ]
        self._apply_common(
            work,
            {**data, "values": values_data} if values_data is not None else data,
            errors,
            is_model=False,
            by=by,
        )
        identifier = work.values.get(vkey(identifier_code, None, None)) if identifier_code else None
        work.identifier = identifier
        if identifier is None and by == "identifier":
            errors.append(
                violation(
                    "identifier",
                    "The identifier attribute cannot be empty.",
                    attribute=identifier_code,
                )
            )
        if identifier is not None:
            owner = self.by_identifier.get(identifier.lower())
            if owner is not None and owner != work.uuid:
                errors.append(
                    violation(
                        "identifier",
                        "The same identifier is already set on another product",
                        attribute=identifier_code,
                    )
                )
        errors.extend(self._unique_value_errors(work))
        if work.parent is not None:
            errors.extend(self._axis_errors(work, is_model=False))
        if errors:
            raise ValidationFailed(errors)
        if created or work.state() != before:
            old_values = product.values
            if (
                product.identifier
                and product.identifier.lower() in self.by_identifier
                and product.identifier != work.identifier
            ):
                self.by_identifier.pop(product.identifier.lower(), None)
            for slot in Product.__slots__:
                setattr(product, slot, getattr(work, slot))
            now = self.now()
            if created:
                product.created = now
                self._insert_product(product)
            product.updated = now
            if product.identifier:
                self.by_identifier[product.identifier.lower()] = product.uuid
            for children in self.children_products.values():
                children.discard(product.uuid)
            if product.parent:
                self.children_products.setdefault(product.parent, set()).add(product.uuid)
            self._reindex_unique(product, None if created else old_values)
        return created, product

    def _unique_index(self, code: str) -> dict[Any, str]:
        """Value -> product uuid of a unique attribute, built on first use, kept on writes."""
        index = self._unique_indexes.get(code)
        if index is None:
            key = vkey(code, None, None)
            index = {}
            for product in self.products.values():
                data = product.values.get(key)
                if data is not None:
                    index[repr(data)] = product.uuid
            self._unique_indexes[code] = index
        return index

    def _unique_value_errors(self, product: Product) -> list[dict[str, Any]]:
        errors = []
        for attribute in self.attributes.values():
            if not attribute["unique"] or attribute["type"] == IDENTIFIER:
                continue
            data = product.values.get(vkey(attribute["code"], None, None))
            if data is None:
                continue
            owner = self._unique_index(attribute["code"]).get(repr(data))
            if owner is not None and owner != product.uuid and owner in self.products:
                errors.append(
                    violation(
                        "values",
                        f"The value {data} is already set on another product for the unique attribute {attribute['code']}",
                        attribute=attribute["code"],
                    )
                )
        return errors

    def _reindex_unique(self, product: Product, before: dict[ValueKey, Any] | None) -> None:
        for code, index in self._unique_indexes.items():
            key = vkey(code, None, None)
            old = (before or {}).get(key)
            new = product.values.get(key) if product.uuid in self.products else None
            if old is not None and index.get(repr(old)) == product.uuid:
                index.pop(repr(old), None)
            if new is not None:
                index[repr(new)] = product.uuid

    def _axis_errors(
        self, entity: Product | ProductModel, *, is_model: bool
    ) -> list[dict[str, Any]]:
        """Variant axes must be filled, and unique among the siblings."""
        parent = self.product_models.get(entity.parent or "")
        if parent is None:
            return []
        variant = self.family_variants.get(parent.family_variant)
        if variant is None:
            return []
        level = len(self.ancestors(entity.parent))
        sets = variant["variant_attribute_sets"]
        if level - 1 >= len(sets):
            return []
        axes = sets[level - 1]["axes"]
        errors = []
        combination = []
        for axis in axes:
            data = entity.values.get(vkey(axis, None, None))
            if data is None:
                errors.append(
                    violation(
                        "attribute",
                        f'Attribute "{axis}" cannot be empty, as it is defined as an axis for this entity',
                        attribute=axis,
                    )
                )
            combination.append(repr(data))
        if errors:
            return errors
        siblings: list[Product | ProductModel]
        if is_model:
            siblings = [
                self.product_models[c]
                for c in self.children_models.get(parent.code, ())
                if c in self.product_models
            ]
        else:
            siblings = [
                self.products[u]
                for u in self.children_products.get(parent.code, ())
                if u in self.products
            ]
        for sibling in siblings:
            if (
                sibling is entity
                or getattr(sibling, "uuid", None) == getattr(entity, "uuid", 0)
                or getattr(sibling, "code", None) == getattr(entity, "code", 0)
            ):
                continue
            if [repr(sibling.values.get(vkey(a, None, None))) for a in axes] == combination:
                name = getattr(sibling, "identifier", None) or getattr(sibling, "code", "")
                errors.append(
                    violation(
                        "attribute",
                        f'Cannot set value "{", ".join(str(entity.values.get(vkey(a, None, None))) for a in axes)}" for the attribute axis '
                        f'"{", ".join(axes)}", as the variant "{name}" already has this value',
                        attribute=axes[0],
                    )
                )
                break
        return errors

    def delete_product(self, key: str, by: str) -> None:
        product = self.find_product(key, by)
        if product is None:
            raise NotFound(
                f'Product "{key}" does not exist or you do not have permission to access it.'
            )
        self._remove_product(product)

    def _remove_product(self, product: Product) -> None:
        self.products.pop(product.uuid, None)
        index = bisect.bisect_left(self.sorted_uuids, product.uuid)
        if index < len(self.sorted_uuids) and self.sorted_uuids[index] == product.uuid:
            self.sorted_uuids.pop(index)
        if product.identifier:
            self.by_identifier.pop(product.identifier.lower(), None)
        if product.parent:
            self.children_products.get(product.parent, set()).discard(product.uuid)
        self._completeness_cache.pop(product.uuid, None)
        self._reindex_unique(product, product.values)
        for other in [*self.products.values(), *self.product_models.values()]:
            for links in other.associations.values():
                if product.uuid in links.get("products", []):
                    links["products"] = [u for u in links["products"] if u != product.uuid]
            for links in other.quantified.values():
                if any(u == product.uuid for u, _ in links.get("products", [])):
                    links["products"] = [(u, q) for u, q in links["products"] if u != product.uuid]
        self._write_generation += 1
