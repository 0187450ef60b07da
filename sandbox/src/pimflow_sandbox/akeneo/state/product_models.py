"""Product models: writes and deletes."""

from __future__ import annotations

import bisect
import re
from typing import Any

from pimflow_sandbox.akeneo.errors import (
    BadRequest,
    DocumentedUnprocessable,
    NotFound,
    Unprocessable,
    ValidationFailed,
    type_error,
    violation,
)
from pimflow_sandbox.akeneo.state.core import ProductModel


class ProductModelsMixin:
    """Writes and deletes of product models."""

    # -- product models --------------------------------------------------------------------------
    def write_product_model(
        self, data: Any, *, key: str | None, mode: str
    ) -> tuple[bool, ProductModel]:
        if not isinstance(data, dict):
            raise BadRequest("Invalid json message received")
        self._check_fields(
            data,
            (
                "code",
                "family",
                "family_variant",
                "parent",
                "categories",
                "values",
                "associations",
                "quantified_associations",
            ),
        )
        body_code = data.get("code")
        if body_code is not None and not isinstance(body_code, str):
            raise type_error("code", "a scalar", body_code)
        if key is not None and body_code is not None and body_code != key:
            raise Unprocessable(
                f'The code "{body_code}" provided in the request body must match the code "{key}" provided in the url.'
            )
        code = key if key is not None else body_code
        if not code:
            raise ValidationFailed([violation("code", "This value should not be blank.")])
        model = self.product_models.get(code)
        if model is not None and mode == "create":
            raise ValidationFailed(
                [violation("code", "The same identifier is already set on another product model")]
            )
        created = model is None
        errors: list[dict[str, Any]] = []
        if created:
            if not re.fullmatch(r"[A-Za-z0-9_.\-]+", code):
                raise ValidationFailed(
                    [
                        violation(
                            "code",
                            "Product model code may contain only letters, numbers, dashes, dots and underscores.",
                        )
                    ]
                )
            model = ProductModel(code, self.model_seq + 1)
        assert model is not None
        before = model.state()
        work = ProductModel(model.code, model.seq)
        for slot in ProductModel.__slots__:
            setattr(work, slot, getattr(model, slot))
        if "parent" in data:
            parent = data["parent"]
            if parent is not None and not isinstance(parent, str):
                raise type_error("parent", "a string", parent)
            if parent in (None, ""):
                if not created and work.parent is not None:
                    errors.append(
                        violation(
                            "parent", "A sub product model can not become a root product model."
                        )
                    )
                work.parent = None
            else:
                parent_model = self.product_models.get(parent)
                if parent_model is None:
                    raise DocumentedUnprocessable(
                        f'Property "parent" expects a valid product model code. The product model does not exist, "{parent}" given.'
                    )
                if parent_model.parent is not None:
                    errors.append(
                        violation(
                            "parent",
                            f'The product model "{parent}" can not have product models as children.',
                        )
                    )
                work.parent = parent
                if "family_variant" not in data or data["family_variant"] is None:
                    work.family_variant = parent_model.family_variant
        if "family_variant" in data:
            variant_code = data["family_variant"]
            if not isinstance(variant_code, str):
                raise type_error("family_variant", "a string", variant_code)
            if variant_code not in self.family_variants:
                raise DocumentedUnprocessable(
                    f'Property "family_variant" expects a valid family variant code. The family variant does not exist, "{variant_code}" given.'
                )
            if not created and variant_code != model.family_variant:
                raise DocumentedUnprocessable(
                    f'Property "family_variant" cannot be modified, "{variant_code}" given.'
                )
            work.family_variant = variant_code
        if not work.family_variant:
            errors.append(
                violation("family_variant", "The product model family variant must not be empty.")
            )
            raise ValidationFailed(errors)
        variant = self.family_variants[work.family_variant]
        work.family = variant["family"]
        if "family" in data and data["family"] not in (None, work.family):
            errors.append(
                violation("family", f'The family of the product model must be "{work.family}".')
            )
        if work.parent is not None:
            parent_model = self.product_models[work.parent]
            if parent_model.family_variant != work.family_variant:
                errors.append(
                    violation(
                        "family_variant",
                        "The product model family variant must be the same than its parent.",
                    )
                )
            if len(variant["variant_attribute_sets"]) < 2:
                errors.append(
                    violation(
                        "parent",
                        f'The product model "{work.parent}" can not have product models as children.',
                    )
                )
        self._apply_common(work, data, errors, is_model=True, by="identifier")
        if work.parent is not None:
            errors.extend(self._axis_errors(work, is_model=True))
        if errors:
            raise ValidationFailed(errors)
        if created or work.state() != before:
            for slot in ProductModel.__slots__:
                setattr(model, slot, getattr(work, slot))
            now = self.now()
            if created:
                model.created = now
                self.model_seq += 1
                self.product_models[model.code] = model
                self.sorted_models.append((model.seq, model.code))
            model.updated = now
            for children in self.children_models.values():
                children.discard(model.code)
            if model.parent:
                self.children_models.setdefault(model.parent, set()).add(model.code)
            self._write_generation += 1
        return created, model

    def delete_product_model(self, code: str) -> None:
        """Deleting a model deletes its sub models and variant products, as Akeneo does."""
        model = self.product_models.get(code)
        if model is None:
            raise NotFound(
                f'Product model "{code}" does not exist or you do not have permission to access it.'
            )
        for child in list(self.children_models.get(code, ())):
            if child in self.product_models:
                self.delete_product_model(child)
        for product_uuid in list(self.children_products.get(code, ())):
            product = self.products.get(product_uuid)
            if product is not None:
                self._remove_product(product)
        self.product_models.pop(code, None)
        self.children_models.pop(code, None)
        self.children_products.pop(code, None)
        if model.parent:
            self.children_models.get(model.parent, set()).discard(code)
        index = bisect.bisect_left(self.sorted_models, (model.seq, code))
        if index < len(self.sorted_models) and self.sorted_models[index] == (model.seq, code):
            self.sorted_models.pop(index)
        for other in [*self.products.values(), *self.product_models.values()]:
            for links in other.associations.values():
                if code in links.get("product_models", []):
                    links["product_models"] = [c for c in links["product_models"] if c != code]
        self._write_generation += 1
