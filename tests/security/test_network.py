"""client_ip: X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

from django.test import RequestFactory

from zhengxiang_portal.core.network import client_ip

rf = RequestFactory()


def test_without_trusted_proxies_remote_addr_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == "10.1.1.1"


def test_forwarded_for_is_believed_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.1.1.0/24"]
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_client_cannot_prepend_a_forged_address(settings):
    settings.TRUSTED_PROXIES = ["10.1.1.1"]
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    # The proxy appended the real peer (203.0.113.7); "1.2.3.4" came from the client.
    assert client_ip(request) == "203.0.113.7"


def test_chain_of_trusted_proxies_is_walked(settings):
    settings.TRUSTED_PROXIES = ["10.1.1.1", "10.2.2.2"]
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.2.2.2")
    assert client_ip(request) == "203.0.113.7"


def test_garbage_forwarded_for_falls_back_to_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.1.1.1"]
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(request) == "10.1.1.1"


def test_ipv6_remote_addr(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(rf.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"


def test_no_request_no_address():
    assert client_ip(None) is None
