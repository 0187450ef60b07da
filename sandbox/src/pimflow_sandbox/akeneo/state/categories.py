"""Categories: writes, the trees' order and positions, roots and descendants."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.akeneo.structure import (
    CATEGORY,
)


class CategoriesMixin:
    """Writes and tree lookups of categories."""

    def write_category(self, code: str | None, data: Any, mode: str) -> bool:
        key = code or (data.get("code") if isinstance(data, dict) else None)
        previous = (
            self.categories.get(key) if isinstance(key, str) else None
        )  # else _write refuses it
        created, category = self._write(CATEGORY, self.categories, code, data, mode=mode)
        if (
            created
            or previous is None
            or previous.get("updated") != category.get("updated")
            or category != previous
        ):
            category["updated"] = self.now()
        if isinstance(data, dict) and isinstance(data.get("position"), int):
            self._move_category(category["code"], data["position"])
        self._tree_cache = None
        return created

    def _move_category(self, code: str, position: int) -> None:
        parent = self.categories[code]["parent"]
        siblings = [
            c for c, cat in self.categories.items() if cat["parent"] == parent and c != code
        ]
        index = max(0, min(position - 1, len(siblings)))
        siblings.insert(index, code)
        reordered = {}
        for key, category in self.categories.items():
            if category["parent"] == parent:
                continue
            reordered[key] = category
        for key in siblings:
            reordered[key] = self.categories[key]
        self.categories.clear()
        self.categories.update(self._tree_order(reordered))

    @staticmethod
    def _tree_order(categories: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        children: dict[str | None, list[str]] = {}
        for code, category in categories.items():
            children.setdefault(category["parent"], []).append(code)
        ordered: dict[str, dict[str, Any]] = {}

        def visit(code: str) -> None:
            ordered[code] = categories[code]
            for child in children.get(code, []):
                visit(child)

        for root in children.get(None, []):
            visit(root)
        for code, category in categories.items():
            ordered.setdefault(code, category)
        return ordered

    def category_position(self, code: str) -> int:
        parent = self.categories[code]["parent"]
        siblings = [c for c, cat in self.categories.items() if cat["parent"] == parent]
        return siblings.index(code) + 1

    def category_roots(self) -> dict[str, str]:
        """Category code -> code of its tree's root (for the `scope` filter)."""
        if self._tree_cache is None:
            roots: dict[str, str] = {}
            for code in self.categories:
                cursor = code
                while self.categories[cursor]["parent"] is not None:
                    cursor = self.categories[cursor]["parent"]
                roots[code] = cursor
            self._tree_cache = roots
        return self._tree_cache

    def descendants(self, code: str) -> set[str]:
        children: dict[str, list[str]] = {}
        for child, category in self.categories.items():
            if category["parent"] is not None:
                children.setdefault(category["parent"], []).append(child)
        found: set[str] = set()
        stack = list(children.get(code, []))
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(children.get(current, []))
        return found
