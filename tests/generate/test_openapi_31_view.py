from __future__ import annotations

from typing import Any

import pytest

from codegen.spec import ITEM_SCHEMA_EXTENSION, Spec, SpecError, derive_31_view


def keys(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [k for key, value in node.items() for k in [key, *keys(value)]]
    if isinstance(node, list):
        return [k for item in node for k in keys(item)]
    return []


def undo_view(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            ("itemSchema" if key == ITEM_SCHEMA_EXTENSION else key): undo_view(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [undo_view(item) for item in node]
    return node


def test_view_changes_only_the_version_and_item_schema_keys(spec: Spec) -> None:
    view = derive_31_view(spec)

    assert view["openapi"] == "3.1.0"
    assert "itemSchema" not in keys(view)
    assert keys(view).count(ITEM_SCHEMA_EXTENSION) == keys(spec).count("itemSchema") > 0
    assert undo_view(view) == {**spec, "openapi": "3.1.0"}


def test_view_leaves_the_contract_untouched(spec: Spec, contract: Spec) -> None:
    derive_31_view(spec)

    assert spec == contract


@pytest.mark.parametrize("keyword", ["itemEncoding", "prefixEncoding", "additionalOperations"])
def test_view_refuses_other_openapi_32_keywords(spec: Spec, keyword: str) -> None:
    spec["paths"]["/api/chat/stream"]["post"]["responses"]["200"]["content"]["text/event-stream"][
        keyword
    ] = {}

    with pytest.raises(SpecError, match=keyword):
        derive_31_view(spec)


def test_view_refuses_a_document_that_is_not_openapi_32(spec: Spec) -> None:
    spec["openapi"] = "3.1.0"

    with pytest.raises(SpecError, match=r"3\.2"):
        derive_31_view(spec)
