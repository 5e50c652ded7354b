"""A lost database gives the documented 503 page on every page, logged in or not (issue 17,
"What was seen" 4): gunicorn reaches PostgreSQL through a proxy the test then cuts."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
import requests
from django.db import connection
from django.test import Client

from agencies.demo import DEMO_PASSWORD
from tests.factories import UserFactory
from tests.reliability.conftest import free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class DatabaseLink:
    """A TCP proxy to PostgreSQL; `cut()` closes it and every connection through it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.is_cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return  # cut
            if self.is_cut:
                client.close()
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.is_cut = True
        for s in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)  # also wakes the accept() blocked on the listener
            s.close()


def test_a_lost_database_gives_the_503_page_logged_in_or_not(processes):
    db = connection.settings_dict
    link = DatabaseLink(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    port = free_port()
    processes.web(
        port,
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{link.port}/{db['NAME']}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    user = UserFactory(username="liaison_x", password=DEMO_PASSWORD)
    browser = Client()
    browser.force_login(user)
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    base = f"http://127.0.0.1:{port}"
    assert requests.get(f"{base}/inbox/", cookies=cookies, timeout=30).status_code == 200

    link.cut()

    for path in ("/", "/inbox/", "/catalog/", "/requests/"):
        page = requests.get(f"{base}{path}", cookies=cookies, timeout=30, allow_redirects=False)
        assert page.status_code == 503, f"{path}: {page.status_code}\n{processes.logs()}"
        assert "数据库暂时无法连接" in page.text
    api = requests.get(f"{base}/api/units/", cookies=cookies, timeout=30)
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "database_unavailable"
    anonymous = requests.post(
        f"{base}/accounts/login/",
        data={"username": "liaison_x", "password": DEMO_PASSWORD},
        timeout=30,
        allow_redirects=False,
    )
    assert anonymous.status_code in {403, 503}, processes.logs()  # CSRF refuses before the DB
