"""The shell's navigation: each app registers its entries with the permission that shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    section: str | Promise
    label: str | Promise
    url_name: str
    permission: str
    order: int = 100


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(i.url_name != item.url_name for i in _items):
        _items.append(item)


def visible_for(perms: set[str]) -> list[dict[str, Any]]:
    """Sections in order, each with the items the user's permissions show."""
    sections: dict[str, dict[str, Any]] = {}
    for item in sorted(_items, key=lambda i: i.order):
        if item.permission not in perms:
            continue
        key = str(item.section)
        sections.setdefault(key, {"label": item.section, "items": []})["items"].append(
            {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
        )
    return list(sections.values())
