"""Twenty facilitators saving at once against a served desk lose nothing."""

from __future__ import annotations

import re
import sqlite3
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import httpx

from desk_helpers import EVENT_ID, desk_server, invite
from helpers import free_port
from test_desk import VALID_FORM

PEOPLE = 20
SAVES = 5


def _open(link: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(timeout=60)
    page = client.get(link)
    assert page.status_code == 200
    return client, re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)


def _save(client, link, token, base: int, title: str) -> httpx.Response:
    form = [("csrftoken", token), *[(k, title if k == "title" else v) for k, v in VALID_FORM],
            ("base", str(base)), ("action", "save")]
    return client.post(link, content=urllib.parse.urlencode(form),
                       headers={"content-type": "application/x-www-form-urlencoded"})


def test_twenty_facilitators_saving_at_once_lose_nothing(tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        links = [invite(desk, f"laboratorio-{n}") for n in range(PEOPLE)]
        start = threading.Barrier(PEOPLE)

        def facilitator(n: int) -> list[int]:
            client, token = _open(links[n])
            start.wait()
            statuses = []
            for save in range(1, SAVES + 1):
                statuses.append(_save(client, links[n], token, save - 1, f"Sessione {n}, salvataggio {save}").status_code)
            return statuses

        with ThreadPoolExecutor(PEOPLE) as pool:
            results = list(pool.map(facilitator, range(PEOPLE)))
        assert results == [[200] * SAVES] * PEOPLE

        # And twenty tabs saving the same draft at the same instant: one wins, none is silently lost.
        same = links[0]
        tabs = [_open(same) for _ in range(PEOPLE)]
        start = threading.Barrier(PEOPLE)

        def tab(n: int) -> int:
            client, token = tabs[n]
            start.wait()
            return _save(client, same, token, SAVES, f"Scheda {n}").status_code

        with ThreadPoolExecutor(PEOPLE) as pool:
            statuses = sorted(pool.map(tab, range(PEOPLE)))
        assert statuses == [200] + [409] * (PEOPLE - 1)

    db = sqlite3.connect(desk.data / "desk.db")
    rows = db.execute("select session, number, yaml from revisions order by session, number").fetchall()
    expected = [(f"laboratorio-{n}", save, f"Sessione {n}, salvataggio {save}")
                for n in range(PEOPLE) for save in range(1, SAVES + 1)]
    found = [(session, number, re.search(r"^title: (.*)$", text, re.M).group(1)) for session, number, text in rows]
    winner = found.pop(SAVES)  # laboratorio-0's sixth revision: whichever tab came first
    assert found == sorted(expected)
    assert winner[:2] == ("laboratorio-0", SAVES + 1) and winner[2].startswith("Scheda ")
    assert db.execute("select count(distinct event) from revisions").fetchone() == (1,)
    assert EVENT_ID == db.execute("select event from revisions limit 1").fetchone()[0]
