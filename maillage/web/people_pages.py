"""The pages of the people of a workbench: the team (administrators), invitations, who did what.

Each function takes what the request sent and returns (template, context, status); the
application renders it. Rights are checked by the application before these are called.
"""

from __future__ import annotations

from ..errors import MaillageError, NotFoundError
from . import accounts

__all__ = ["team_page", "invite_person", "change_person", "invitation_page", "accept_invitation", "history_page"]


def team_page(bench, people, invited: dict | None = None, errors: dict | None = None, status: int = 200):
    return "team.html", {"people_list": accounts.listing(bench), "roles": accounts.ROLES, "invited": invited,
                         "errors": errors or {}}, status


def invite_person(bench, people, form: dict, by: str | None, base_url: str):
    try:
        code = accounts.invite(bench, str(form.get("name", "")), str(form.get("role", "")), by)
    except MaillageError as exc:
        return team_page(bench, people, errors={"name": str(exc)}, status=422)
    people.forget()
    return team_page(bench, people, invited={"name": str(form.get("name", "")).strip(),
                                             "link": f"{base_url}invite?code={code}"})


def change_person(bench, people, form: dict, current: str | None):
    """Change a person's role, or remove them (``action``: role or remove)."""
    name = str(form.get("name", ""))
    try:
        if form.get("action") == "remove":
            accounts.remove(bench, name)
        else:
            accounts.set_role(bench, name, str(form.get("role", "")))
    except MaillageError as exc:
        return team_page(bench, people, errors={"name": str(exc)}, status=422)
    people.forget()
    return None  # done: back to the team page


def invitation_page(code: str, errors: dict | None = None, status: int = 200):
    return "invite.html", {"code": code, "errors": errors or {}}, status


def accept_invitation(bench, people, form: dict):
    """(template, context, status) when the password is refused; the account's name when accepted."""
    code = str(form.get("code", ""))
    try:
        name = accounts.accept(bench, code, str(form.get("password", "")), str(form.get("again", "")))
    except MaillageError as exc:
        return invitation_page(code, {"password": str(exc)}, 404 if isinstance(exc, NotFoundError) else 422), None
    people.forget()
    return None, name


def history_page(bench, people, by: str):
    found = bench.history_of(by[:200])
    known = people.accounts()
    for person in found["people"]:
        person["role"] = (known.get(person["name"]) or {}).get("role")
    return "people.html", found, 200
