"""HTTP routes beside the Gradio app: the reader, ``GET /reader?doc=ID&s=START&e=END&m=A-B,…``.

The endpoint is a plain (sync) function: Starlette runs it in its thread pool, so reading a
document never blocks the event loop.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..errors import QAError
from . import reader

__all__ = ["reader_route"]

CSP = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def reader_route(engine) -> Route:
    """The whole document of ``engine`` at the passage ``[s, e)``, answering sentences marked."""

    def endpoint(request: Request) -> HTMLResponse:
        q = request.query_params
        try:
            doc = engine.document(q.get("doc", ""))
        except QAError:
            return HTMLResponse(reader.not_found_page("没有这个文档，它可能已被删除。"), status_code=404)
        n = len(doc.text)
        start, end = reader.parse_offset(q.get("s"), n), reader.parse_offset(q.get("e"), n)
        page = reader.reader_page(doc, start, end, reader.parse_marks(q.get("m"), n))
        return HTMLResponse(page, headers=CSP)

    return Route("/reader", endpoint, methods=["GET"])

