"""A messaging platform's API on a loopback port: it records what the bot sends and answers like the platform."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request the bot made to the platform API."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


Responder = Callable[[RecordedRequest], tuple[int, Any]]


def _static(body: Any) -> Responder:
    return lambda _request: (200, body)


class FakePlatform:
    """Routes are (method, path regex) → responder; `fail_next` queues error statuses ahead of a route."""

    def __init__(self, port: int = 0) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Responder]] = []
        self._failures: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        self.requests: list[RecordedRequest] = []
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-platform", daemon=True
        )

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakePlatform:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def route(self, method: str, path: str, response: Responder | Any) -> None:
        """Answer `method` requests whose path fully matches the regex `path`; the newest route wins."""
        responder = response if callable(response) else _static(response)
        self._routes.insert(0, (method, re.compile(path), responder))

    def fail_next(self, method: str, path: str, *statuses: int, body: Any = None) -> None:
        """Answer the next requests to the route with these statuses (and an error body) before the route."""
        error = body if body is not None else {"ok": False, "error_code": statuses[0], "description": "Internal error"}
        self._failures.setdefault((method, path), []).extend((s, error) for s in statuses)

    def received(self, path: str) -> list[RecordedRequest]:
        """The requests so far whose path fully matches the regex `path`."""
        pattern = re.compile(path)
        with self._changed:
            return [r for r in self.requests if pattern.fullmatch(r.path)]

    def wait_for(self, path: str, count: int = 1, timeout_s: float = 20.0) -> list[RecordedRequest]:
        """Block until at least `count` requests matched `path`; fail the test after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        pattern = re.compile(path)
        with self._changed:
            while True:
                matched = [r for r in self.requests if pattern.fullmatch(r.path)]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{r.method} {r.path}" for r in self.requests]
                    raise AssertionError(f"expected {count} request(s) to {path}, got {len(matched)}; saw {seen}")
                self._changed.wait(remaining)

    def dispatch(self, request: RecordedRequest) -> tuple[int, Any]:
        """Record a request and produce the platform's answer."""
        if self.on_request is not None:
            self.on_request(request)
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()
            for (method, path), queued in self._failures.items():
                if method == request.method and queued and re.fullmatch(path, request.path):
                    return queued.pop(0)
        for method, pattern, responder in self._routes:
            if method == request.method and pattern.fullmatch(request.path):
                return responder(request)
        return 404, {"error": f"no route for {request.method} {request.path}"}


def _handler_for(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            parts = urlsplit(self.path)
            request = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            status, body = platform.dispatch(request)
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def wait_until(condition: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition") -> None:
    """Poll `condition` until it holds; fail the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def install_permissive_routes(api: FakePlatform) -> None:
    """Success answers for every platform, whatever the bot token or message id."""
    api.route("POST", r"/bot[^/]+/sendMessage", {"ok": True, "result": {"message_id": 1}})
    api.route("POST", r"/bot[^/]+/getMe", {"ok": True, "result": {"id": 1, "is_bot": True, "username": "reportqa_bot"}})
    api.route(
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        {"code": 0, "msg": "ok", "tenant_access_token": "t-local", "expire": 7200},
    )
    api.route("POST", r"/open-apis/im/v1/messages/[^/]+/reply", {"code": 0, "msg": "success", "data": {}})
    api.route("POST", "/robot/sendBySession", {"errcode": 0, "errmsg": "ok"})
    api.route("GET", "/cgi-bin/gettoken", {"errcode": 0, "errmsg": "ok", "access_token": "local", "expires_in": 7200})
    api.route("POST", "/cgi-bin/message/send", {"errcode": 0, "errmsg": "ok"})


def main() -> None:
    """Serve a stand-in for all four platform APIs on 127.0.0.1 and print what the bot sends."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8081)
    port = parser.parse_args().port
    api = FakePlatform(port=port)
    install_permissive_routes(api)
    api.on_request = lambda r: print(f"{r.method} {r.path} {r.body.decode('utf-8', 'replace')}", flush=True)
    print(f"fake platform API on {api.base_url}; Ctrl-C stops it", flush=True)
    api.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        api.stop()


if __name__ == "__main__":
    main()
