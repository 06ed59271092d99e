"""HTTP edges of the sandbox's routes: reading PHP-style parameters, writing PHP-style JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from hhsync.sandbox.bitrix.params import merge_params, parse_php_pairs

MAX_MULTIPART_PART_BYTES = 256 * 1024 * 1024

NGINX_PAGES = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


async def read_params(request: Request) -> dict[str, Any]:
    """Query string merged with the body (JSON, form or multipart), like PHP's ``$_REQUEST``.

    A body that is not valid JSON counts as no parameters (PHP sees nothing), which then usually
    ends in NO_AUTH_FOUND, as on a portal.
    """
    query = parse_php_pairs(request.query_params.multi_items())
    if request.method != "POST":
        return query
    content_type = request.headers.get("content-type", "").lower()
    body: dict[str, Any] = {}
    if "application/json" in content_type:
        raw = await request.body()
        try:
            decoded = json.loads(raw) if raw.strip() else {}
        except ValueError:
            decoded = {}
        body = decoded if isinstance(decoded, dict) else {}
    elif "multipart/form-data" in content_type:
        form = await request.form(max_fields=100_000, max_part_size=MAX_MULTIPART_PART_BYTES)
        body = parse_php_pairs((k, v) for k, v in form.multi_items() if isinstance(v, str))
    else:
        raw = await request.body()
        body = parse_php_pairs(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return merge_params(query, body)


def php_json_text(body: Any) -> str:
    """JSON as PHP's ``json_encode`` writes it by default: ``\\uXXXX`` escapes and ``\\/``."""
    # "/" appears only inside strings in JSON text, so escaping it textually is safe
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def php_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response encoded the PHP way."""
    return Response(
        php_json_text(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def nginx_page(status: int) -> Response:
    """The HTML error page nginx in front of a portal gives (clients must survive non-JSON)."""
    title = NGINX_PAGES.get(status, f"{status} Error")
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
        "</html>\r\n"
    )
    return Response(html, status_code=status, media_type="text/html")


def client_ip(request: Request) -> str:
    """The caller's address (the bucket is per portal *and* client IP)."""
    return request.client.host if request.client else "unknown"


def base_url(request: Request, public_url: str | None) -> str:
    """The URL clients should use to reach this server."""
    if public_url:
        return public_url.rstrip("/")
    return str(request.base_url).rstrip("/")
