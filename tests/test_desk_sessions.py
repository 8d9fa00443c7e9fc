"""The office's login against an attacker (#30, 8 and 11; #23, bug 7):
concurrent wrong passwords meet the lockout, a cookie ends with its
session (logout, a new password), and the desk's state is its owner's."""

from __future__ import annotations

import concurrent.futures
import http.cookiejar
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER, desk_server
from helpers import free_port
from test_desk import TOKEN, Client, _office, desk  # noqa: F401  (desk: the fixture)

from outcomes.desk import state


def _browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(opener, url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with opener.open(url, data=data, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_twenty_wrong_logins_at_once_meet_the_lockout(tmp_path):
    """All 20 were checked (20 x 401, no 429): each attempt is now counted
    before its password is, so five are checked and the rest refused."""
    with desk_server(tmp_path, free_port()) as server:
        url = server.url + "/office/login"

        def wrong_login(number: int) -> tuple[int, str]:
            opener = _browser()
            token = TOKEN.search(_status(opener, url)[1]).group(1)
            form = urllib.parse.urlencode({"csrftoken": token, "username": OFFICE_USER, "password": f"sbagliata{number}"})
            return _status(opener, url, form.encode())

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(wrong_login, range(20)))
        seconds = time.perf_counter() - started
    statuses = sorted(status for status, _ in answers)
    assert statuses == [401] * state.LOGIN_FAILURES_ALLOWED + [429] * (20 - state.LOGIN_FAILURES_ALLOWED), statuses
    assert all("Troppi tentativi sbagliati" in page for status, page in answers if status == 429)
    assert seconds < 60


def _cookie_works(desk, cookie: str) -> bool:
    visitor = Client(desk)
    visitor.cookies["ds_actor"] = cookie
    return visitor.get("/office").status_code == 200


def test_an_office_cookie_ends_at_logout(desk):
    office = _office(desk)
    cookie = office.cookies["ds_actor"]
    assert _cookie_works(desk, cookie)
    assert office.post("/office/logout", [], token_from="/office").status_code == 302
    assert not _cookie_works(desk, cookie)  # kept by whoever copied it, it no longer opens the office
    again = _office(desk)  # a new login works, and its cookie does
    assert _cookie_works(desk, again.cookies["ds_actor"])


def test_an_office_cookie_ends_when_the_password_changes(desk, tmp_path):
    cookie = _office(desk).cookies["ds_actor"]
    assert _cookie_works(desk, cookie)
    result = subprocess.run(
        [sys.executable, "-m", "outcomes.cli", "desk", "user", OFFICE_USER, "--data", str(tmp_path / "data"),
         "--password", OFFICE_PASSWORD + "-nuova"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert not _cookie_works(desk, cookie)


def test_a_forged_session_version_is_refused(desk):
    """The version is inside the signed cookie: a cookie cannot claim another."""
    cookie = _office(desk).cookies["ds_actor"]
    payload = desk.unsign(cookie, "actor")
    forged = desk.sign({**payload, "a": {**payload["a"], "v": payload["a"]["v"] + 1}}, "actor")
    assert not _cookie_works(desk, forged)
    assert not _cookie_works(desk, re.sub(r"\.[^.]*$", ".AAAA", cookie))


def test_the_desks_state_is_readable_by_its_owner_only(desk, tmp_path):
    data = tmp_path / "data"
    _office(desk)  # a write: the WAL and its index exist
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for file in data.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, (file.name, oct(file.stat().st_mode))


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"), reason="LibreOffice is not installed")
def test_pubblica_is_the_same_build_as_publish_py_and_keeps_the_pdf(desk, tmp_path):
    """The desk's Pubblica built without PDF and removed the editions that
    ``python publish.py`` had made (#30, 10): now it is the same build."""
    from test_desk import SESSION, VALID_FORM, link_path

    facilitator, office = Client(desk), _office(desk)
    facilitator.post(link_path(desk), [*VALID_FORM, ("base", "0"), ("action", "submit")])
    office.post(f"/office/{EVENT_ID}/{SESSION}", [("action", "accept"), ("comment", ""), ("base", "1")])
    out = tmp_path / "build"
    started = time.perf_counter()
    made = subprocess.run([sys.executable, "publish.py", "--notes", str(desk.test_notes), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert made.returncode == 0, made.stderr
    editions = sorted(path.name for path in (out / "proceedings").iterdir())
    assert any(name.endswith(".pdf") for name in editions), editions
    published = office.post("/office/publish", [], token_from="/office")
    assert published.status_code == 200 and "Pubblicato in" in published.text
    assert sorted(path.name for path in (out / "proceedings").iterdir()) == editions
    assert time.perf_counter() - started < 600
