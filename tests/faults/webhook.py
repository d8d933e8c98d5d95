"""A webhook receiver that counts deliveries per alert id, for the notifier under faults.

It runs in a thread of its own (stdlib HTTP server), so it answers while the test's event
loop is busy producing or polling, like a real receiver on another machine would.
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from schemas import Alert
from streams.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify_signature


class WebhookReceiver:
    """``with WebhookReceiver(secret) as hook:`` then point the notifier at ``hook.url``."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.deliveries: Counter[str] = Counter()  # alert id -> deliveries answered 2xx
        self.bad_signatures = 0
        self.mismatched_keys = 0  # Idempotency-Key differs from the body's alert id
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.deliveries)

    def _record(self, key: str | None, signature: str | None, body: bytes) -> None:
        alert = Alert.from_bytes(body)
        with self._lock:
            self.deliveries[alert.alert_id] += 1
            if key != alert.alert_id:
                self.mismatched_keys += 1
            if not verify_signature(self.secret, signature, body):
                self.bad_signatures += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._record(
                    self.headers.get(IDEMPOTENCY_HEADER), self.headers.get(SIGNATURE_HEADER), body
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # one line per delivery would drown the test output

        return Handler
