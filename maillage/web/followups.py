"""Introductions being followed: the stages recorded for proposals, as each page shows them.

A proposal goes contacted → meeting held → partnership agreed (or declined), each stage a journal
entry with its date and who. The need page shows each proposal's stages, the actor page the
introductions it is part of (as holder or as provider) and marks its allies already approached,
the home page the latest stages recorded; accepting a proposal leads to the partnership form,
pre-filled from the need (:func:`partnership_prefill`).
"""

from __future__ import annotations

from ..queries.outcomes import latest_outcomes, stages

__all__ = ["FOLLOW_UPS_ON_HOME", "need_stages", "actor_follow_ups", "recent_follow_ups", "partnership_prefill"]

FOLLOW_UPS_ON_HOME = 10


def need_stages(entries: list[dict], need_id: str) -> dict[str, list[dict]]:
    """provider → its stages for this need, oldest first."""
    return {provider: recorded for (need, provider), recorded in stages(entries).items() if need == need_id}


def _row(outcome: dict, graph, needs: dict) -> dict:
    holder, provider = outcome.get("holder"), outcome["provider"]
    need = needs.get(outcome["need"]) or {}
    return {"need": outcome["need"], "need_title": need.get("title") or outcome["need"],
            "holder": holder, "holder_name": _name(graph, holder),
            "provider": provider, "provider_name": outcome.get("provider_name") or _name(graph, provider),
            "status": outcome["status"], "date": outcome.get("date"), "by": outcome.get("by"),
            "note": outcome.get("note") or ""}


def _name(graph, node) -> str | None:
    if node is None:
        return None
    return graph.nodes[node].get("name") if node in graph else str(node)


def _needs(graph) -> dict:
    return {need["id"]: need for need in graph.graph.get("needs", [])}


def actor_follow_ups(entries: list[dict], graph, actor_id: str) -> list[dict]:
    """The latest stage of every introduction ``actor_id`` is part of, as holder or provider, newest first."""
    needs = _needs(graph)
    rows = [_row(outcome, graph, needs) for outcome in latest_outcomes(entries).values()
            if actor_id in (outcome.get("holder"), outcome["provider"])]
    return sorted(rows, key=lambda row: (row["date"] or "", row["need"], row["provider"]), reverse=True)


def recent_follow_ups(entries: list[dict], graph, limit: int = FOLLOW_UPS_ON_HOME) -> list[dict]:
    """The latest stage of each introduction, the most recently recorded first (``limit`` of them)."""
    needs = _needs(graph)
    latest = sorted(latest_outcomes(entries).values(), key=lambda o: (o["recorded_at"], o["need"], o["provider"]),
                    reverse=True)
    return [_row(outcome, graph, needs) for outcome in latest[:limit]]


def partnership_prefill(need: dict, provider: str, date: str) -> dict:
    """The partnership form's values once a proposal is accepted: holder → provider from that day,
    on the need's themes, described by the need, with « this meets the need » offered."""
    return {"source": need.get("holder") or "", "target": provider, "kind": "cooperation", "start": date,
            "themes": "; ".join(need.get("themes") or []), "description": need.get("title") or "",
            "need": need["id"]}
