"""What a demo user looks at: the portal's page chrome and a small CRM view.

The pages that host the application in an iframe are in :mod:`.portal_pages`. The CRM view lists
leads, deals (with the name, phones and e-mails of their linked contacts) and contacts with their
fields, files and timeline. Everything shown is escaped: applicant names and texts come from
hh.ru and are hostile input.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from hhsync.sandbox.bitrix.admin_inspect import admin_context
from hhsync.sandbox.bitrix.crm import render
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import OWNER_TYPES, Activity, CrmEntity, Portal, StoredFile

_CONTACT_LABELS = {"PHONE": "Телефон", "EMAIL": "E-mail", "WEB": "Сайт", "IM": "Мессенджер"}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#eef2f4;color:#333}
header{background:#2fc6f6;color:#fff;padding:10px 20px}
header a{color:#fff;margin-right:16px}
main{padding:16px 20px}
iframe{width:100%;height:80vh;border:1px solid #ccd;background:#fff}
#b24-dialog{position:fixed;top:15vh;left:30vw;width:40vw;background:#fff;border:1px solid #99a;
padding:12px 20px;box-shadow:0 4px 24px rgba(0,0,0,.3)}
#b24-dialog ul{list-style:none;padding:0}#b24-dialog li{margin:4px 0}
.notice{background:#fff;border-left:4px solid #ffa900;padding:12px 16px}
table{border-collapse:collapse;background:#fff;margin-bottom:24px;width:100%}
th,td{border:1px solid #dde;padding:6px 8px;vertical-align:top;text-align:left;font-size:14px}
th{background:#f5f7f8}
.activity{border-left:3px solid #2fc6f6;padding:2px 8px;margin:4px 0;background:#f8fbfc}
.muted{color:#888}
.activity-buttons{margin-top:4px}.activity-button{margin-right:12px}
"""


# The portal's tab icon, inline: a browser asks every page's origin for /favicon.ico otherwise,
# and the 404 it gets there is a console error on every portal page.
_ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect width='16' height='16' rx='4' fill='%232fc6f6'/%3E%3C/svg%3E"
)


def _sandbox(request: Request) -> BitrixSandbox:
    sandbox: BitrixSandbox = request.app.state.sandbox
    return sandbox


def page(title: str, portal: Portal, body: str) -> str:
    """A portal page: header with the portal's name and its sections, then ``body`` (HTML)."""
    domain = quote(portal.domain)
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f'<title>{escape(title)}</title><link rel="icon" href="{_ICON}">'
        f"<style>{_STYLE}</style></head><body>"
        f"<header><strong>Битрикс24 · {escape(portal.domain)}</strong> &nbsp; "
        f'<a href="/_sandbox/portal/{domain}/app">Приложение</a>'
        f'<a href="/_sandbox/portal/{domain}/install">Маркет</a>'
        f'<a href="/_sandbox/portal/{domain}/crm">CRM</a></header>'
        f"<main>{body}</main></body></html>"
    )


def _safe_href(uri: Any) -> str | None:
    text = str(uri or "")
    if text.startswith(("http://", "https://", "/")) and not text.startswith("//"):
        return text
    return None  # javascript:, data: and the like are never turned into links


def _file_link(portal: Portal, stored: StoredFile) -> str:
    href = f"/_sandbox/portal/{quote(portal.domain)}/files/{stored.id}"
    return f'<a href="{escape(href)}">{escape(stored.name)}</a> ({len(stored.content)} байт)'


def _layout_texts(value: Any) -> list[str]:
    """Every human-visible text of a layout, in order, as escaped HTML fragments."""
    parts: list[str] = []
    if isinstance(value, dict):
        props = value.get("properties") if isinstance(value.get("properties"), dict) else None
        if props is not None:
            label = props.get("title")
            if isinstance(label, str):
                parts.append(f"<strong>{escape(label)}:</strong>")
            for key in ("value", "text"):
                text = props.get(key)
                if isinstance(text, dict):
                    text = text.get("ru") or text.get("en") or next(iter(text.values()), "")
                if isinstance(text, (str, int, float)):
                    action = props.get("action")
                    href = _safe_href(action.get("uri")) if isinstance(action, dict) else None
                    if href:
                        parts.append(
                            f'<a href="{escape(href)}" rel="noopener">{escape(str(text))}</a>'
                        )
                    else:
                        parts.append(escape(str(text)))
            for nested in ("block", "blocks"):
                if nested in props:
                    parts.extend(_layout_texts(props[nested]))
        else:
            for key, item in value.items():
                if key in {"icon", "logo", "action", "footer"}:
                    continue
                parts.extend(_layout_texts(item))
    return parts


def _buttons_html(portal: Portal, activity: Activity) -> str:
    """The footer buttons: a redirect is a link to its URI, an ``openRestApp`` opens the app."""
    buttons = ((activity.layout or {}).get("footer") or {}).get("buttons") or {}
    links = []
    for key, button in buttons.items() if isinstance(buttons, dict) else ():
        action = button.get("action") if isinstance(button, dict) else None
        if not isinstance(action, dict):
            continue
        if action.get("type") == "openRestApp":
            href: str | None = (
                f"/_sandbox/portal/{quote(portal.domain)}/activity/{activity.id}"
                f"/buttons/{quote(str(key))}"
            )
        else:
            href = _safe_href(action.get("uri"))
        if href is None:
            continue
        links.append(
            f'<a class="activity-button" data-button="{escape(str(key))}" '
            f'data-action="{escape(str(action.get("type")))}" href="{escape(href)}" '
            f'rel="noopener">{escape(str(button.get("title") or key))}</a>'
        )
    return f'<div class="activity-buttons">{" ".join(links)}</div>' if links else ""


def _activity_html(portal: Portal, activity: Activity) -> str:
    body = " ".join(_layout_texts((activity.layout or {}).get("body", {})))
    if not body and activity.description:
        body = escape(activity.description)
    return (
        f'<div class="activity" data-activity-id="{activity.id}">'
        f"<strong>{escape(activity.subject)}</strong> "
        f'<span class="muted">{escape(activity.created)}</span><br>{body}'
        f"{_buttons_html(portal, activity)}</div>"
    )


def _value_html(portal: Portal, value: Any) -> str:
    if isinstance(value, dict) and "downloadUrl" in value:
        stored = portal.files.get(int(value["id"]))
        return _file_link(portal, stored) if stored else "—"
    if isinstance(value, list):
        return "<br>".join(_value_html(portal, v) for v in value) or "—"
    if value in (None, ""):
        return "—"
    return escape(str(value))


_TITLES = {"lead": "Лиды", "deal": "Сделки", "contact": "Контакты"}
_STAGE_HEADS = {"lead": "Статус", "deal": "Стадия", "contact": "Тип"}
_STAGE_FIELDS = {"lead": "STATUS_ID", "deal": "STAGE_ID", "contact": "TYPE_ID"}
_OWNER_TYPE_IDS = {kind: type_id for type_id, kind in OWNER_TYPES.items()}


def _people(portal: Portal, entity: CrmEntity) -> list[CrmEntity]:
    """Whose name, phones and e-mails a row shows: a deal shows its linked contacts."""
    if entity.kind != "deal":
        return [entity]
    contacts = portal.entities["contact"]
    return [contacts[c] for c in entity.contact_ids if c in contacts]


def _person_cells(people: list[CrmEntity]) -> tuple[str, str]:
    names = [
        " ".join(str(p.fields.get(k) or "") for k in ("LAST_NAME", "NAME", "SECOND_NAME")).strip()
        for p in people
    ]
    comms = [
        f"{_CONTACT_LABELS.get(m.type_id, escape(m.type_id))}: {escape(m.value)}"
        for p in people
        for m in p.multi
    ]
    return "<br>".join(escape(n) for n in names if n) or "—", "<br>".join(comms) or "—"


def _title_cell(portal: Portal, entity: CrmEntity, data: dict[str, Any]) -> str:
    if entity.kind != "contact":
        return escape(str(data.get("TITLE") or ""))
    deals = [d for d in portal.entities["deal"].values() if entity.id in d.contact_ids]
    return "<br>".join(f"#{d.id} {escape(str(d.fields.get('TITLE') or ''))}" for d in deals) or "—"


def _directory(portal: Portal, kind: str, data: dict[str, Any]) -> str:
    if kind == "deal":
        return portal.categories[int(data.get("CATEGORY_ID") or 0)].stage_entity
    return "STATUS" if kind == "lead" else "CONTACT_TYPE"


def _entity_rows(request: Request, portal: Portal, kind: str, only: int | None = None) -> str:
    sandbox = _sandbox(request)
    ctx = admin_context(sandbox, portal)
    # lead statuses and deal stages share ids like NEW: look names up in the right directory
    stage_names = {(s.entity_id, s.status_id): s.name for s in portal.statuses}
    users = {str(u.id): f"{u.name} {u.last_name}" for u in portal.users.values()}
    rows = []
    entities: list[CrmEntity] = sorted(
        (e for e in portal.entities[kind].values() if only is None or e.id == only),
        key=lambda e: -e.id,
    )
    for entity in entities:
        data = render(ctx, entity)
        person, contacts = _person_cells(_people(portal, entity))
        stage = str(data.get(_STAGE_FIELDS[kind]))
        extra = "".join(
            f'<div><span class="muted">{escape(uf.label)}:</span> '
            f"{_value_html(portal, data.get(uf.field_name))}</div>"
            for uf in portal.userfields_of(kind)
        )
        timeline = "".join(
            _activity_html(portal, a)
            for a in portal.activities.values()
            if a.owner_id == entity.id and a.owner_type_id == _OWNER_TYPE_IDS[kind]
        )
        timeline += "".join(
            f'<div class="activity">💬 {escape(c.comment)}</div>'
            for c in portal.comments.values()
            if c.entity_id == entity.id and c.entity_type == kind
        )
        rows.append(
            "<tr>"
            f"<td>{entity.id}</td><td>{_title_cell(portal, entity, data)}</td>"
            f"<td>{person}</td><td>{contacts}</td>"
            f"<td>{escape(stage_names.get((_directory(portal, kind, data), stage), stage))}</td>"
            f"<td>{escape(users.get(str(data.get('ASSIGNED_BY_ID')), '—'))}</td>"
            f"<td>{_value_html(portal, data.get('COMMENTS'))}{extra}"
            f'<div class="muted">{escape(str(data.get("ORIGINATOR_ID") or ""))} '
            f"{escape(str(data.get('ORIGIN_ID') or ''))}</div></td>"
            f"<td>{timeline or '—'}</td></tr>"
        )
    head = (
        "<tr><th>ID</th><th>"
        + ("Сделки" if kind == "contact" else "Название")
        + "</th><th>ФИО</th><th>Контакты</th><th>"
        + _STAGE_HEADS[kind]
        + "</th><th>Ответственный</th><th>Поля</th><th>Таймлайн</th></tr>"
    )
    empty = "" if rows else '<p class="muted">Пока пусто.</p>'
    return f"<h2>{_TITLES[kind]} ({len(rows)})</h2><table>{head}{''.join(rows)}</table>{empty}"


async def crm_page(request: Request) -> Response:
    """``/_sandbox/portal/{domain}/crm``: leads, deals, contacts with fields, files, timeline."""
    portal = _sandbox(request).portal(request.path_params["domain"])
    if portal is None:
        return HTMLResponse("Портал не найден", status_code=404)
    body = "".join(_entity_rows(request, portal, kind) for kind in ("lead", "deal", "contact"))
    return HTMLResponse(page("CRM", portal, body))


async def entity_page(request: Request) -> Response:
    """``/_sandbox/portal/{domain}/crm/{kind}/details/{id}``: one entity's card (what a link to
    ``/crm/lead/details/ID/`` on the portal opens), with its fields and timeline."""
    portal = _sandbox(request).portal(request.path_params["domain"])
    kind, raw_id = request.path_params["kind"], request.path_params["entity_id"]
    if portal is None or kind not in _TITLES or not raw_id.isdigit():
        return HTMLResponse("Не найдено", status_code=404)
    if int(raw_id) not in portal.entities[kind]:
        return HTMLResponse("Элемент не найден", status_code=404)
    body = f'<div id="crm-card" data-kind="{kind}" data-entity-id="{int(raw_id)}">'
    body += _entity_rows(request, portal, kind, only=int(raw_id)) + "</div>"
    return HTMLResponse(page("CRM", portal, body))


async def file_page(request: Request) -> Response:
    """``/_sandbox/portal/{domain}/files/{id}``: a file of the CRM view (demo only, no auth)."""
    portal = _sandbox(request).portal(request.path_params["domain"])
    file_id = request.path_params["file_id"]
    stored = portal.files.get(int(file_id)) if portal and file_id.isdigit() else None
    if stored is None:
        return Response("Файл не найден", status_code=404)
    return Response(
        stored.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.name)}"},
    )


def routes() -> list[BaseRoute]:
    """The page routes."""
    return [
        Route("/_sandbox/portal/{domain}/crm", crm_page, methods=["GET"]),
        Route("/_sandbox/portal/{domain}/files/{file_id}", file_page, methods=["GET"]),
        Route(
            "/_sandbox/portal/{domain}/crm/{kind}/details/{entity_id}",
            entity_page,
            methods=["GET"],
        ),
    ]
