"""deploy/nginx/outcomes.conf through a real nginx (HTTPS, a self-signed
certificate), in front of a served desk and ``outcomes serve``: the desk
sees the client's address and scheme from nginx and from nginx only; the
public site answers pages and downloads, cached where it should be."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sqlite3
import time

import httpx

from conftest import ROOT, need_program
from desk_helpers import OFFICE_PASSWORD, OFFICE_USER, desk_server
from helpers import free_port
from live_helpers import OUTCOMES_JSON, PROCEEDINGS, Server, library, publish, version_of

SITE, DESK = "esiti.example.org", "schede.example.org"
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


def _local():
    spec = importlib.util.spec_from_file_location("outcomes_nginx_local", ROOT / "deploy" / "nginx" / "local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _nginx(folder, site_port: int, desk_port: int):
    local = _local()
    https, http = free_port(), free_port()
    main = local.render(folder, site_port, desk_port, https, http)
    checked = local.check(main)
    assert checked.returncode == 0, checked.stderr
    process = local.start(main)
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{http}/", timeout=1)
                break
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.05)
        yield https, http
    finally:
        process.terminate()
        process.wait(timeout=10)


def _client(address: str, base: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any of 127/8 is this machine)."""
    return httpx.Client(base_url=base, verify=False, timeout=30,
                        transport=httpx.HTTPTransport(local_address=address, verify=False))


def _login(client: httpx.Client, password: str, headers: dict | None = None) -> httpx.Response:
    headers = {"host": DESK, **(headers or {})}
    token = TOKEN.search(client.get("/office/login", headers=headers).text).group(1)
    return client.post("/office/login", data={"csrftoken": token, "username": OFFICE_USER, "password": password},
                       headers=headers)


def _cookies(response: httpx.Response) -> dict[str, str]:
    return {value.split("=", 1)[0]: value for value in response.headers.get_list("set-cookie")}


def test_the_desk_and_the_site_behind_nginx(tmp_path):
    need_program("nginx", "the deployment recipe is tested through it")
    need_program("openssl", "it makes the test's certificate")
    desk_port = free_port()
    with desk_server(tmp_path, desk_port) as desk:
        notes, out = library(tmp_path, 1), tmp_path / "build"
        publish(notes, out, 1)
        with Server(out, tmp_path / "serve.log") as site, _nginx(tmp_path / "nginx", site.port, desk_port) as (https, http):
            base = f"https://127.0.0.1:{https}"
            # Plain HTTP is sent to HTTPS.
            moved = httpx.get(f"http://127.0.0.1:{http}/office/login", headers={"host": DESK})
            assert (moved.status_code, moved.headers["location"]) == (301, f"https://{DESK}/office/login")

            # Failed logins are counted by the address nginx saw, whatever a client claims.
            guesser = _client("127.0.0.3", base)
            for _ in range(5):
                assert _login(guesser, "sbagliata", {"x-forwarded-for": "192.0.2.1"}).status_code == 401
            assert _login(guesser, OFFICE_PASSWORD).status_code == 429
            office = _client("127.0.0.4", base)
            entered = _login(office, OFFICE_PASSWORD, {"x-forwarded-for": "127.0.0.3"})
            assert entered.status_code == 302, entered.text
            cookies = _cookies(entered)
            assert "; Secure" in cookies["ds_actor"] and "; HttpOnly" in cookies["ds_actor"]
            assert office.get("/office", headers={"host": DESK}).status_code == 200
            csrf = _cookies(_client("127.0.0.4", base).get("/office/login", headers={"host": DESK}))
            assert "; Secure" in csrf["ds_csrftoken"]

            # Straight to the desk, not through the proxy: the headers are not believed.
            direct = _client("127.0.0.2", desk.url)
            forged = {"x-forwarded-for": "198.51.100.9", "x-forwarded-proto": "https"}
            refused = _login(direct, "sbagliata", forged)
            assert refused.status_code == 401
            csrf = _cookies(_client("127.0.0.2", desk.url).get("/office/login", headers=forged))
            assert csrf["ds_csrftoken"].startswith("ds_csrftoken=") and "; Secure" not in csrf["ds_csrftoken"]
            failures = sqlite3.connect(desk.data / "desk.db").execute(
                "select address from login_failures order by id").fetchall()
            assert failures == [("127.0.0.3",)] * 5 + [("127.0.0.2",)]

            # An upload past the desk's limit stops at nginx.
            huge = office.post("/s/abc/upload", content=b"x" * (7 * 1024 * 1024),
                               headers={"host": DESK, "content-type": "application/octet-stream"})
            assert huge.status_code == 413

            # The public site: pages, downloads, static files cached.
            reader = _client("127.0.0.5", base)
            home = reader.get("/", headers={"host": SITE})
            assert home.status_code == 200 and "<title>" in home.text
            assert "Strict-Transport-Security" in home.headers
            document = reader.get(PROCEEDINGS, headers={"host": SITE})
            assert document.status_code == 200 and document.content == (out / "proceedings" / "convegno-2019.docx").read_bytes()
            stylesheet = re.search(r'href="(/-/static[^"]+\.css[^"]*)"', home.text).group(1)
            first = reader.get(stylesheet, headers={"host": SITE})
            second = reader.get(stylesheet, headers={"host": SITE})
            assert first.status_code == second.status_code == 200
            assert (first.headers["x-cache-status"], second.headers["x-cache-status"]) == ("MISS", "HIT")
            assert second.headers["cache-control"] == "max-age=86400"
            assert version_of(reader.get(OUTCOMES_JSON, headers={"host": SITE})) == 1

            # A publication reaches readers through nginx's cache.
            publish(notes, out, 2)
            published = time.monotonic()
            while version_of(reader.get(OUTCOMES_JSON, headers={"host": SITE})) != 2:
                assert time.monotonic() - published < 3.0, "the new build not seen through nginx after 3 s"
                time.sleep(0.05)
