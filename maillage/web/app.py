"""``maillage serve``: the intermediary's workbench, a small ASGI application over the library.

Pages are rendered on the server (Jinja2, autoescaped: every name is text) and work without
JavaScript; only the neighbourhood graph is the HTML export's own page, in a frame. Handlers are
plain functions run in Starlette's thread pool; each sets the request's language first.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import MaillageError, NotFoundError
from ..i18n import LANGUAGES, _, detect_language, language, ngettext, number
from ..redaction import redact
from ..queries.outcomes import OUTCOME_STATUSES, outcome_label
from ..queries.reasons import label_list, providers_sentence
from ..loaders.kinds import KINDS
from ..loaders.report import kind_label
from ..vocabulary import default_vocabulary
from .data import Workbench
from .edits import FORMS, replay, save_form
from .upload_pages import field_label, first_step, mapping_step
from .pending import PendingWrites, pending_folder
from .security import VIEW_POLICY, Guard, csrf_token_of
from .accounts import People
from .people_pages import (accept_invitation, change_person, history_page, invitation_page, invite_person,
                           team_page)

__all__ = ["create_app", "MAX_UPLOAD"]

HERE = Path(__file__).parent
MAX_UPLOAD = 20 * 2 ** 20
EXPORTS = {"html": "text/html; charset=utf-8", "gexf": "application/xml", "graphml": "application/xml",
           "csv": "text/csv; charset=utf-8", "json": "application/json"}
REGISTRY = {"siren": "https://annuaire-entreprises.data.gouv.fr/entreprise/{}",
            "siret": "https://annuaire-entreprises.data.gouv.fr/etablissement/{}",
            "rna": "https://annuaire-entreprises.data.gouv.fr/rechercher?terme={}"}


def create_app(store_uri: str, token: str | None = None, default_language: str | None = None,
               secure_cookies: bool = True, max_upload: int = MAX_UPLOAD, workers: int = 0,
               allowed_hosts: tuple[str, ...] = (), write_wait: float = 3.0, on_ready=None) -> Guard:
    """The workbench over ``store_uri``, wrapped in its guards (see :mod:`maillage.web.security`).

    ``workers`` processes compute the analyses pages show (0: in this process, one at a time).
    Without ``token`` a secret is drawn for this start: open the returned guard's ``login_path``.
    ``on_ready()`` is called once the store is projected, just before the server listens.
    People sign in with the accounts the store holds (:mod:`maillage.web.accounts`).
    """
    bench = Workbench(store_uri, workers=workers, write_wait=write_wait)
    people = People(bench.accounts, bench.shared_secret())
    bench.pending = PendingWrites(pending_folder(store_uri), lambda entry: replay(bench, entry))
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    vocabulary = default_vocabulary()
    env.globals.update(_=_, ngettext=ngettext, number=number, label_list=label_list, providers_sentence=providers_sentence,
                       REGISTRY=REGISTRY, kind_label=kind_label, field_label=field_label,
                       fields_of=lambda kind: KINDS[kind].columns if kind in KINDS else (),
                       required_of=lambda kind: KINDS[kind].required if kind in KINDS else (), STATUSES=OUTCOME_STATUSES, stage=outcome_label,
                       label=lambda name, code: vocabulary.label(name, code) if code else "—",
                       vocabulary=lambda name: {code: vocabulary.label(name, code) for code in vocabulary.terms[name]})
    fallback = detect_language(default_language)

    def page(handler, needs: str | None = "reader"):
        """Run ``handler(request)`` in the request's language; errors become the error page.
        ``needs``: the role the page asks for (a form's page is an editor's, the team's an administrator's)."""
        def endpoint(request: Request):
            chosen = _language_of(request, fallback)
            with language(chosen):
                try:
                    response = refused(request, needs) if not _may(request, needs) else handler(request)
                except MaillageError as exc:
                    response = failed(request, exc)
            if request.query_params.get("lang") in LANGUAGES:
                response.set_cookie("maillage_lang", chosen, httponly=True, samesite="strict", secure=secure_cookies)
            return response

        return endpoint

    def posted(handler, needs: str = "editor"):
        """The same for the form handlers (async: they read the body first)."""
        async def endpoint(request: Request):
            with language(_language_of(request, fallback)):
                if not _may(request, needs):
                    return refused(request, needs)
                try:
                    return await handler(request)
                except MaillageError as exc:
                    return failed(request, exc)

        return endpoint

    def kept(request, back: str):
        """202: the store is held by a load; the change waits on disk and will be written."""
        return render(request, "kept.html", {"back": back, "waiting": len(bench.pending.waiting())}, 202)

    def refused(request, needs: str):
        message = (_("only an administrator of this workbench manages its people") if needs == "admin" else
                   _("a reader of this workbench cannot change anything; ask an administrator for an editor's role"))
        return render(request, "error.html", {"message": message}, 403)

    def failed(request, exc):
        status = 404 if isinstance(exc, NotFoundError) else 400
        return render(request, "error.html", {"message": redact(str(exc))}, status)

    def unknown(request, exc):
        """Every path or method the workbench does not serve: a page, not Starlette's plain text."""
        with language(_language_of(request, fallback)):
            status = getattr(exc, "status_code", 404)
            message = (_("no page here: {path}").format(path=request.url.path[:200]) if status == 404
                       else _("this page does not take that request"))
            return render(request, "error.html", {"message": message}, status)

    def render(request, name, context, status=200):
        user = request.scope.get("state", {}).get("user") or {}
        context = dict(context, request=request, csrf=csrf_token_of(request.scope), lang=_current(),
                       authenticated=True, user=user, can_edit=user.get("role") in ("editor", "admin"),
                       is_admin=user.get("role") == "admin")
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def home(request):
        params = request.query_params
        page_number = int(params["page"]) if params.get("page", "").isdigit() else 1
        listing = bench.home(theme=params.get("theme", ""), state=params.get("state", "open"), page=page_number,
                             place=params.get("place", ""), holder=params.get("holder", "")[:200])
        return render(request, "home.html", dict(listing, pending=bench.pending.waiting(),
                                                 refused=bench.pending.refused(),
                                                 place_names=bench.graph().graph.get("territory_names", {})))

    def search(request):
        text = request.query_params.get("q", "")
        return render(request, "search.html", {"q": text, "results": bench.search(text)})

    def suggest(request):
        """JSON suggestions for the fields naming an actor (value: its id) or a territory."""
        text, what = request.query_params.get("q", "")[:100], request.path_params["what"]
        if what == "actors":
            found = [{"value": row["id"], "label": " — ".join(p for p in (row["name"], row["place"]) if p)}
                     for row in bench.search(text, limit=12)]
        elif what in ("territories", "communes"):
            level = "commune" if what == "communes" else None
            found = [{"value": row["id"].partition(":")[2] if level else row["id"],
                      "label": f"{row['name']} ({row['id'].partition(':')[2]})"}
                     for row in bench.suggest_territories(text, level)]
        else:
            raise NotFoundError(_("no page here: {path}").format(path=request.url.path[:200]))
        return JSONResponse(found)

    def actor(request):
        return render(request, "actor.html", bench.actor(request.path_params["actor_id"]))

    def view(request):
        focus = request.query_params.get("focus") or None
        return _exported(bench, "html", focus, {"Content-Security-Policy": VIEW_POLICY})

    def need(request):
        need_id = request.path_params["need_id"]
        if need_id.endswith("/brief"):  # the printable brief (a need's id may itself hold « / »)
            return render(request, "brief.html", dict(bench.need(need_id[:-len("/brief")]), today=_today_text()))
        return render(request, "need.html", dict(bench.need(need_id), errors={}))

    async def outcome(request):
        form = await request.form()
        return await _in_thread(record_outcome, request, dict(form))

    def record_outcome(request, form):
        need_id = request.path_params["need_id"]
        result = bench.record_outcome(need_id, form.get("provider", ""), form.get("status", ""),
                                      form.get("date", ""), _who(request, form), form.get("note", ""))
        if result.get("errors"):
            return render(request, "need.html", dict(bench.need(need_id), errors=result["errors"],
                                                     form=form), 422)
        if result.get("pending"):
            return kept(request, f"/needs/{need_id}")
        if result.get("partnership"):  # accepted: the partnership itself, pre-filled, and the need met
            return RedirectResponse("/edit/partnerships?" + urlencode(result["partnership"]), status_code=303)
        return RedirectResponse(f"/needs/{need_id}#outcomes", status_code=303)

    def edit_form(request):
        kind = request.path_params["kind"]
        values = _prefill(bench, kind, request.query_params)
        return render(request, "edit.html", {"kind": kind, "fields": FORMS[kind], "values": values, "errors": {},
                                             "need": _need_met(bench, kind, values)})

    async def edit_post(request):
        form = await request.form()
        return await _in_thread(save, request, dict(form))

    def save(request, form):
        kind = request.path_params["kind"]
        result = save_form(bench, kind, form, _who(request, form))
        if result.get("errors") or result.get("row_errors"):
            return render(request, "edit.html", {"kind": kind, "fields": FORMS[kind], "values": form,
                                                 "errors": result.get("errors") or {},
                                                 "row_errors": result.get("row_errors", []),
                                                 "need": _need_met(bench, kind, form)}, 422)
        target = {"actors": "/actors/", "needs": "/needs/", "partnerships": "/actors/"}[kind]
        if result.get("pending"):
            return kept(request, target + (result["subject"] or "") if result["subject"] else "/")
        return RedirectResponse(target + (result["subject"] or ""), status_code=303)

    def upload_form(request):
        return render(request, "upload.html", {"errors": {}, "report": None})

    async def upload_post(request):
        form = await request.form(max_part_size=max_upload)
        sent = form.get("file")
        content = await sent.read() if sent is not None and hasattr(sent, "read") else b""
        filename = getattr(sent, "filename", "") or ""
        return await _in_thread(do_upload, request, filename, content, _who(request, form))

    def do_upload(request, filename, content, by):
        return render(request, *first_step(bench, filename, content, by))

    async def mapping_post(request):
        form = await request.form()
        return await _in_thread(lambda: render(request, *mapping_step(bench, dict(form, by=_who(request, form)))))

    def exported(request):
        fmt = request.path_params["fmt"]
        if fmt not in EXPORTS:
            raise NotFoundError(_("cannot tell the format of {name}: use one of {join}").format(
                name=fmt, join=", ".join(EXPORTS)))
        return _exported(bench, fmt, request.query_params.get("focus") or None,
                         {"Content-Disposition": f'attachment; filename="maillage.{fmt}"'})

    def login(request):
        target = _safe_target(request.query_params.get("next", "/"))
        key = request.query_params.get("key")
        user = guard.check_token(key) if key is not None else None
        if user:  # the start line's link (or a member's own): a session, then the page
            response = RedirectResponse(target, status_code=303)
            response.headers.append("set-cookie", guard.session_cookie(user))
            return response
        return render(request, "login.html", {"next": target, "failed": key is not None}, 401 if key else 200)

    async def login_post(request):
        form = await request.form()
        given, target = str(form.get("token", "")), _safe_target(str(form.get("next", "/")))
        if form.get("name"):  # a person's account (Argon2 takes a tenth of a second: not in the loop)
            user = await _in_thread(people.check_password, str(form.get("name")), str(form.get("password", "")))
        else:
            user = guard.check_token(given)
        if user:
            response = RedirectResponse(target, status_code=303)
            response.headers.append("set-cookie", guard.session_cookie(user))
            return response
        with language(_language_of(request, fallback)):
            return render(request, "login.html", {"next": target, "failed": True}, 401)

    async def logout(request):
        response = RedirectResponse("/login", status_code=303)
        response.headers.append("set-cookie", guard.ended_session_cookie())
        return response

    def history(request):
        return render(request, *history_page(bench, people, request.query_params.get("by", "")))

    def team(request):
        return render(request, *team_page(bench, people))

    async def team_post(request):
        form = dict(await request.form())
        user = _user(request)
        if request.url.path == "/team/invite":
            return await _in_thread(lambda: render(request, *invite_person(bench, people, form, user.get("name"),
                                                                           str(request.base_url))))
        shown = await _in_thread(change_person, bench, people, form, user.get("name"))
        return render(request, *shown) if shown else RedirectResponse("/team", status_code=303)

    def invitation(request):
        return render(request, *invitation_page(request.query_params.get("code", "")))

    async def invitation_post(request):
        form = dict(await request.form())
        with language(_language_of(request, fallback)):
            refused_page, name = await _in_thread(accept_invitation, bench, people, form)
            if refused_page:
                return render(request, *refused_page)
        response = RedirectResponse("/", status_code=303)
        response.headers.append("set-cookie", guard.session_cookie({"name": name}))
        return response

    routes = [
        Route("/", page(home)), Route("/search", page(search)),
        Route("/suggest/{what:str}", page(suggest)),
        Route("/actors/{actor_id:path}", page(actor)), Route("/view", page(view)),
        Route("/needs/{need_id:path}", page(need), methods=["GET"]),
        Route("/outcomes/{need_id:path}", posted(outcome), methods=["POST"]),
        Route("/edit/{kind:str}", page(edit_form, needs="editor"), methods=["GET"]),
        Route("/edit/{kind:str}", posted(edit_post), methods=["POST"]),
        Route("/upload", page(upload_form, needs="editor"), methods=["GET"]),
        Route("/upload", posted(upload_post), methods=["POST"]),
        Route("/upload/load", posted(mapping_post), methods=["POST"]),
        Route("/export/{fmt:str}", page(exported)),
        Route("/login", page(login, needs=None), methods=["GET"]), Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/history", page(history)),
        Route("/team", page(team, needs="admin"), methods=["GET"]),
        Route("/team/invite", posted(team_post, needs="admin"), methods=["POST"]),
        Route("/team/change", posted(team_post, needs="admin"), methods=["POST"]),
        Route("/invite", page(invitation, needs=None), methods=["GET"]), Route("/invite", invitation_post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        await _in_thread(bench.warm)  # the projection is ready before the first page is asked for
        bench.pending.start()  # and what an earlier run kept for a busy store is written
        if on_ready is not None:
            on_ready()
        yield
        bench.pending.stop()
        bench.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: unknown, 405: unknown})
    app.state.workbench = bench
    guard = Guard(app, token, max_upload + 64 * 1024, secure_cookies, allowed_hosts, people)
    return guard


def _today_text() -> str:
    from ..graph.projection import today
    from ..i18n import date_text

    return date_text(today())


def _user(request: Request) -> dict:
    return request.scope.get("state", {}).get("user") or {}


def _may(request: Request, needs: str) -> bool:
    """Whether the signed-in role reaches ``needs`` (reader < editor < admin)."""
    order = ("reader", "editor", "admin")
    if needs is None:  # the sign-in and invitation pages
        return True
    role = _user(request).get("role")
    return role in order and order.index(role) >= order.index(needs)


def _who(request: Request, form) -> str:
    """« Who » of a change: a member's own name (never typed), else what the owner typed."""
    user = request.scope.get("state", {}).get("user") or {}
    return user.get("name") or str(form.get("by", ""))


def _safe_target(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def _in_thread(function, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


def _language_of(request: Request, fallback: str) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("maillage_lang")
    if asked in LANGUAGES:
        return asked
    accepted = request.headers.get("accept-language", "")
    if accepted:
        return "fr" if accepted.strip().lower().startswith("fr") else "en"
    return fallback


def _current() -> str:
    from ..i18n import current_language

    return current_language()


def _prefill(bench: Workbench, kind: str, params) -> dict:
    if kind not in FORMS:
        raise NotFoundError(_("unknown kind {kind!r} (choose from {join})").format(kind=kind, join=", ".join(FORMS)))
    values = {name: params.get(name, "") for name in FORMS[kind]}
    if kind == "partnerships" and params.get("need"):
        values.update(need=params["need"], meets_need="1")
    if kind == "actors" and params.get("id"):
        graph = bench.graph()
        if params["id"] in graph:
            data = graph.nodes[params["id"]]
            values.update({k: ("; ".join(v) if isinstance(v, list) else (v or "")) for k, v in data.items()
                           if k in FORMS["actors"]}, id=params["id"])
    return values


def _need_met(bench: Workbench, kind: str, values) -> dict | None:
    """The need a partnership form may mark as met (after an accepted proposal), if it names one."""
    if kind != "partnerships" or not values.get("need"):
        return None
    return next((n for n in bench.graph().graph.get("needs", []) if n["id"] == values["need"]), None)


def _exported(bench: Workbench, fmt: str, focus: str | None, headers: dict) -> Response:
    """The export of what the page shows (the actor's neighbourhood, or everything), as a download."""
    import io
    import zipfile

    from ..graph.projection import today
    from ..views import export

    with tempfile.TemporaryDirectory(prefix="maillage-export-") as folder:
        out = Path(folder) / f"maillage.{fmt}"
        result = export(bench.graph(), out, focus=focus, hops=1, proposals=fmt == "html", at=today())
        paths = [Path(p) for p in result.get("paths", [result["path"]])]
        if len(paths) == 1:
            return Response(paths[0].read_bytes(), media_type=EXPORTS[fmt], headers=headers)
        buffer = io.BytesIO()  # CSV: the actors' and the ties' files together
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, path.name)
    headers = dict(headers, **{"Content-Disposition": 'attachment; filename="maillage-csv.zip"'})
    return Response(buffer.getvalue(), media_type="application/zip", headers=headers)

