"""Query budgets of the pages the load benchmark walks (bench/load.py), on the demo data.

Every page pays the same base: the session, and the account read with its unit (the top bar
names it; agencies.backends.PortalModelBackend.get_user, one query); the account's roles,
model permissions, the units it acts for, whether it has a second factor and the items it
consumes come from its authorisation snapshot (agencies.authz), read once per change of the
account, so a warm page asks none of them. Every page with the top bar also counts the account's
unread messages (one query, issue 14). The budgets below are that base plus each page's own
reads; a page that starts asking more per request fails here before it shows in `make bench`.
"""

from __future__ import annotations

import pytest

from agencies.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

BARE = "/session"
PAGES = {
    "home": "/",
    "catalog": "/catalog/",
    "obligations": "/catalog/obligations/",
    "received": "/catalog/received/",
    "requests": "/requests/",
    "dashboard": "/assessment/",
}
# (account, page) -> most queries allowed; measured on the demo data with 2FA enforced.
BUDGETS = {
    ("wg_leader", "bare"): 2,
    ("wg_leader", "home"): 9,
    ("wg_leader", "catalog"): 5,
    ("wg_leader", "obligations"): 7,
    ("wg_leader", "received"): 3,
    ("wg_leader", "requests"): 5,
    ("wg_leader", "dashboard"): 11,
    ("tax_staff", "home"): 9,
    ("tax_staff", "catalog"): 5,
    ("tax_staff", "obligations"): 5,
    ("tax_staff", "received"): 4,
    ("tax_staff", "requests"): 5,
    ("liaison_finance", "bare"): 2,
    ("liaison_finance", "home"): 8,
    ("liaison_finance", "catalog"): 5,
    ("liaison_finance", "obligations"): 5,
    ("liaison_finance", "received"): 4,
    ("liaison_finance", "requests"): 5,
    ("liaison_court", "home"): 7,  # the court must answer objections: that panel has rows
}


@pytest.fixture
def enforced(settings):
    """Production's second-factor gate, whose reads every page pays."""
    settings.PORTAL_2FA_ENFORCED = True


@pytest.mark.parametrize(("username", "page"), sorted(BUDGETS))
def test_bench_page_stays_within_its_query_budget(
    client, demo, enforced, username, page, django_assert_max_num_queries
):
    assert client.login(username=username, password=DEMO_PASSWORD)
    url = BARE if page == "bare" else PAGES[page]
    assert client.get(url).status_code == 200  # warm: content types, the role-policy cache
    with django_assert_max_num_queries(BUDGETS[(username, page)]):
        assert client.get(url).status_code == 200
