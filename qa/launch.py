"""Start-up checks for the web app (``app.py``): is the port usable? Said in one line, before the
(slow) engine is opened, with the flag that fixes it."""
from __future__ import annotations

import errno
import socket

__all__ = ["port_problem"]


def _bind_error(host: str, port: int) -> OSError | None:
    """The error binding ``host:port`` gives now (None: free), bound as the server binds it."""
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is free
        try:
            s.bind(address)
        except OSError as err:
            return err
    return None


def _free_near(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 20, 65535) + 1):
        try:
            if _bind_error(host, candidate) is None:
                return candidate
        except OSError:
            return None
    return None


def port_problem(host: str, port: int) -> str | None:
    """None when the app can serve on ``host:port``; else a one-line Chinese message that names
    the port (or host) and suggests ``--port`` (or ``--host``)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        return f"端口 {port} 无效（应在 1 到 65535 之间）：请用 --port 指定，例如 --port 7860"
    try:
        err = _bind_error(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        return f"无法解析地址 {host!r}（{getattr(exc, 'strerror', None) or exc}）：请用 --host 指定，例如 --host 127.0.0.1"
    if err is None:
        return None
    near = _free_near(host, port)
    example = f"，例如 --port {near}" if near else ""
    if err.errno == errno.EADDRINUSE:
        return f"端口 {port} 已被占用（{host}）：请用 --port 换一个端口{example}"
    if err.errno == errno.EACCES:
        return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限）：请用 --port 换一个端口{example}"
    if err.errno == errno.EADDRNOTAVAIL:
        return f"本机没有地址 {host}，无法在端口 {port} 上服务：请用 --host 指定，例如 --host 127.0.0.1"
    return f"无法使用端口 {port}（{host}：{err.strerror or err}）：请用 --port 换一个端口{example}"
