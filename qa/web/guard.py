"""An ASGI middleware in front of the Gradio app: request size and upload rules.

- Every request body is capped (``max_body``) before any other work: an over-size request is
  answered 413 after its body has been drained, without keeping it in memory.
- Uploads (``…/upload``) are refused (403) unless an :class:`UploadPolicy` is given. With one, an
  upload must come from the page's own origin, stay under the size cap, and name only allowed
  file types.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["MAX_REQUEST_BYTES", "RequestGuard", "UploadPolicy"]

MAX_REQUEST_BYTES = 2 * 1024 * 1024  # a question, k and a restored conversation fit with room to spare
DRAIN_LIMIT = 256 * 1024 * 1024  # over this, the connection is just closed
_FILENAME = re.compile(rb'filename\*?=(?:UTF-8\'\')?"?([^"\r\n;]*)', re.IGNORECASE)


@dataclass(frozen=True)
class UploadPolicy:
    """What an upload may be: at most ``max_bytes`` per request, with one of ``suffixes``."""

    max_bytes: int = 20 * 1024 * 1024
    suffixes: tuple[str, ...] = (".docx", ".pdf", ".txt", ".md", ".html", ".htm")

    def allows(self, filename: str) -> bool:
        return filename.lower().endswith(self.suffixes)


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def same_origin(headers: dict[str, str]) -> bool:
    """Whether a browser request comes from the page's own origin (Origin host == Host)."""
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = headers.get("origin")
    host = headers.get("host")
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "detail": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def _drain(receive, limit: int = DRAIN_LIMIT) -> None:
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body"):
            return


class RequestGuard:
    """ASGI middleware enforcing the size cap and the upload rules (see the module docstring)."""

    def __init__(self, app, max_body: int = MAX_REQUEST_BYTES, upload: UploadPolicy | None = None):
        self.app = app
        self.max_body = max_body
        self.upload = upload

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        is_upload = scope["path"].rstrip("/").endswith("/upload")
        if is_upload:
            if self.upload is None:
                await _drain(receive)
                return await _reply(send, 403, "此服务器未开启上传功能。")
            if not same_origin(headers):
                await _drain(receive)
                return await _reply(send, 403, "只接受来自本页面的上传。")
            limit = self.upload.max_bytes + 64 * 1024  # room for the multipart framing
        else:
            limit = self.max_body
        too_big = f"请求过大（上限 {limit // (1024 * 1024)} MB）。" if limit >= 1024 * 1024 else "请求过大。"
        try:
            declared = int(headers.get("content-length", "0"))
        except ValueError:
            declared = 0
        if declared > limit:
            await _drain(receive)
            return await _reply(send, 413, too_big)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _drain(receive)
                return await _reply(send, 413, too_big)
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if is_upload:
            names = [m.decode("utf-8", "replace") for m in _FILENAME.findall(body)]
            bad = [n for n in names if not self.upload.allows(n)]
            if bad or not names:
                kinds = "、".join(self.upload.suffixes)
                return await _reply(send, 415, f"不支持的文件类型：{'、'.join(bad) or '无文件'}（可上传 {kinds}）。")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)
