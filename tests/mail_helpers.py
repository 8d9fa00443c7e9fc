"""A real SMTP server for the desk's tests (aiosmtpd on a free local port),
and an HTTP client for a served desk that keeps cookies and sends the CSRF token."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import time
import urllib.parse

import httpx

from helpers import free_port

TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


class Inbox:
    """aiosmtpd's handler: every message received, parsed, in order."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK queued as test"


class SmtpServer:
    """``aiosmtpd`` on ``port``: ``stop()`` and ``start()`` again on the same port, keeping what it received."""

    def __init__(self, port: int, **options):
        self.port, self.inbox, self.controller, self.options = port, Inbox(), None, options
        self.url = f"smtp://127.0.0.1:{port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.inbox.messages

    def wait_for(self, count: int, timeout: float = 30) -> list:
        """The messages once ``count`` have arrived (fails after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, [m["Subject"] for m in self.messages]
        return list(self.messages)


@contextlib.contextmanager
def smtp_for_desk(monkeypatch, office: str = "ufficio@example.org", **settings: str):
    """A started SMTP server, and the desk's settings naming it (``settings``:
    more of them, by variable name)."""
    server = SmtpServer(free_port())
    server.start()
    monkeypatch.setenv("OUTCOMES_SMTP_URL", server.url)
    monkeypatch.setenv("OUTCOMES_MAIL_FROM", "sportello@example.org")
    monkeypatch.setenv("OUTCOMES_OFFICE_EMAIL", office)
    monkeypatch.delenv("OUTCOMES_DESK_URL", raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    try:
        yield server
    finally:
        server.stop()


def body(message, kind: str = "plain") -> str:
    """A part's text, its line ends as Python writes them."""
    return message.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n")


def link_in(message, pattern: str = r"https?://\S+/s/\S+") -> str:
    return re.search(pattern, body(message)).group(0)


class HttpClient:
    """A served desk through HTTP: cookies kept, the page's CSRF token posted."""

    def __init__(self, url: str):
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=30)

    def get(self, path: str):
        return self.http.get(path)

    def post(self, path: str, pairs: list[tuple[str, str]], token_from: str | None = None):
        token = TOKEN.search(self.get(token_from or path).text).group(1)
        return self.http.post(path, content=urllib.parse.urlencode([("csrftoken", token), *pairs]),
                              headers={"content-type": "application/x-www-form-urlencoded"})

    def login(self, user: str, password: str):
        response = self.post("/office/login", [("username", user), ("password", password)])
        assert response.status_code == 302, response.text
        return response
