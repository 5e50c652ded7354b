"""English is a real second language: a complete catalog, and pages that switch to it.

The source strings are Simplified Chinese; locale/en holds the English catalog (the compiled
.mo is committed so machines without gettext still get English).
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from agencies.demo import DEMO_PASSWORD

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

HAN = re.compile(r"[\u4e00-\u9fff]")
# Chinese labels of the main navigation (and the log-out button) that must vanish in English.
CHINESE_NAV = ["首页", "共治单位", "目录清单", "报送任务", "协作事项", "考核评价", "消息", "退出"]


def _unquote(line: str) -> str:
    text = line.strip()
    assert text.startswith('"') and text.endswith('"'), line
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text[1:-1]
    )


def _po_entries(path: Path) -> list[dict]:
    """A small .po reader: msgid, msgid_plural, every msgstr and the flags of each entry."""
    entries: list[dict] = []
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        entry: dict = {"flags": set(), "msgstr": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif m := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                field = m.group(1)
                value = _unquote(m.group(2))
                if field.startswith("msgstr"):
                    entry["msgstr"][field] = value
                else:
                    entry[field] = value
            elif line.startswith('"') and field:
                if field.startswith("msgstr"):
                    entry["msgstr"][field] += _unquote(line)
                else:
                    entry[field] += _unquote(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_catalog_is_complete_and_not_fuzzy():
    entries = [e for e in _po_entries(PO_FILE) if e["msgid"]]
    assert len(entries) > 1000
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    plurals = [e for e in entries if "msgid_plural" in e]
    assert plurals and all(set(e["msgstr"]) == {"msgstr[0]", "msgstr[1]"} for e in plurals)
    # Translations are English, not copies of the Chinese source: Chinese survives only where
    # the English quotes what a user types (e.g. 是/否 in a spreadsheet) or names the language.
    copied = [
        e["msgid"] for e in entries if HAN.search(e["msgid"]) and e["msgid"] in e["msgstr"].values()
    ]
    assert copied == []
    with_han = [e["msgid"] for e in entries if any(HAN.search(s) for s in e["msgstr"].values())]
    assert len(with_han) <= 8, with_han


def test_the_committed_mo_is_compiled_from_the_committed_po():
    """The .mo holds every translation of the .po (file times mean nothing in a fresh clone)."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    singles = [e for e in _po_entries(PO_FILE) if e["msgid"] and "msgid_plural" not in e]
    stale = [
        e["msgid"]
        for e in singles
        if (
            compiled.pgettext(e["msgctxt"], e["msgid"])
            if "msgctxt" in e
            else compiled.gettext(e["msgid"])
        )
        != e["msgstr"]["msgstr"]
    ]
    assert stale == []


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    for e in _po_entries(PO_FILE):
        if not e["msgid"]:
            continue
        sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for key, text in e["msgstr"].items():
            source = sources[1] if key == "msgstr[1]" else sources[0]
            assert set(placeholder.findall(text)) == set(placeholder.findall(source)), e["msgid"]


def _english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


def _login(client, username: str) -> None:
    response = client.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated, username


@pytest.mark.django_db
def test_login_page_in_english(client, demo):
    _english(client)
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "Zhengxiang District Tax-Fee Co-Governance Platform" in html
    assert "登录" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "url", "words"),
    [
        ("wg_leader", "/", ["Home", "Data-sharing catalog", "Collaboration requests", "Log out"]),
        ("wg_leader", "/catalog/", ["Data exchange and sharing catalog", "Catalog code"]),
        ("wg_leader", "/requests/", ["Collaboration requests", "Requesting unit"]),
        ("wg_leader", "/assessment/", ["Assessment", "Log out"]),
        ("liaison_market", "/", ["Home", "Reporting obligations", "Log out"]),
        ("liaison_market", "/catalog/", ["Data-sharing catalog", "Providing unit"]),
        ("liaison_market", "/requests/", ["Collaboration requests", "Handling unit"]),
    ],
)
def test_pages_switch_to_english(client, demo, username, url, words):
    _login(client, username)
    _english(client)
    response = client.get(url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    for word in words:
        assert word in html, word
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    assert nav is not None
    for label in CHINESE_NAV:
        assert f">{label}<" not in nav.group(0), label
    assert ">退出<" not in html


@pytest.mark.django_db
def test_chinese_stays_the_default(client, demo):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    _login(client, "wg_leader")
    html = client.get("/").content.decode()
    assert 'lang="zh-hans"' in html
    assert ">退出<" in html
    assert "目录清单" in html
    assert "Log out" not in html
