"""``client.rules``: device linkage rules (设备联动)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gizwits_async._validate import path_segment, require_text
from gizwits_async.models._converter import CONVERTER
from gizwits_async.models._envelopes import Key, ListOf, MapOf
from gizwits_async.models.rules import Rule, RuleParam
from gizwits_async.pagination import AsyncPaginator, skip_limit
from gizwits_async.resources._base import Resource


class RulesResource(Resource):
    """``client.rules``: device linkage rules (condition on inputs, then actions)."""

    async def params(
        self, product_keys: str | Iterable[str] | None = None
    ) -> dict[str, list[RuleParam]]:
        """``GET /app/rules/params``: the datapoints rules may use, per product key (all the
        app's products when none are given)."""
        params: dict[str, str] = {}
        if product_keys is not None:
            keys = [product_keys] if isinstance(product_keys, str) else list(product_keys)
            params["product_key"] = ",".join(require_text(key, "product_key") for key in keys)
        return await self._fetch(
            "GET", "/app/rules/params", params=params, into=MapOf(ListOf(RuleParam))
        )

    def list(self, *, limit: int | None = None, page_size: int = 20) -> AsyncPaginator[Rule]:
        """``GET /app/rules``: the user's rules, paged by skip/limit (a full page means there
        may be more)."""
        page: Key[list[Rule]] = Key("rules", ListOf(Rule))
        return skip_limit(self._transport, "/app/rules", page, limit=limit, page_size=page_size)

    async def create(self, rule: Rule | Mapping[str, Any]) -> int:
        """``POST /app/rules``: create a rule and return its id."""
        body = _as_rule(rule).to_wire()
        return await self._fetch("POST", "/app/rules", json_body=body, into=Key("rule_id", int))

    async def update(self, rule_id: int, rule: Rule | Mapping[str, Any]) -> None:
        """``PUT /app/rules/{rule_id}``: replace a rule (the body is the whole rule)."""
        segment = _rule_segment(rule_id)
        body = _as_rule(rule).to_wire()
        body["rule_id"] = int(segment)
        await self._transport.request("PUT", f"/app/rules/{segment}", json_body=body)

    async def delete(self, rule_id: int) -> None:
        """``DELETE /app/rules/{rule_id}``."""
        await self._transport.request("DELETE", f"/app/rules/{_rule_segment(rule_id)}")


def _rule_segment(rule_id: Any) -> str:
    segment = path_segment(rule_id, "rule_id")
    if not segment.isdigit():
        raise ValueError(f"rule_id must be a number, got {rule_id!r}")
    return segment


def _as_rule(rule: Rule | Mapping[str, Any]) -> Rule:
    if isinstance(rule, Rule):
        return rule
    if not isinstance(rule, Mapping):
        raise TypeError(f"rule must be a Rule or a mapping, got {type(rule).__name__}")
    try:
        return CONVERTER.structure(dict(rule), Rule)
    except Exception as err:
        raise ValueError(f"the mapping does not describe a rule: {err}") from err
