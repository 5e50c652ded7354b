"""Exports of the published catalog: DCAT JSON-LD and the Excel 目录清单."""

import io
import json

import pytest
from openpyxl import load_workbook

from sharing_catalog.models import CatalogItem
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_tax_bureau,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(roles):
    wg = WorkingGroupMemberFactory().user
    tax = make_tax_bureau()
    provider = UnitFactory(code="ZX-NR", name="衡阳市自然资源和规划局蒸湘分局")
    CatalogItemViaServicesFactory(
        actor=wg,
        provider=provider,
        consumers=[tax],
        code="ZX-ML-001",
        name="不动产登记信息",
        resource_code="430408-ZX-NR-001",
        summary="不动产登记结果",
        class_category="自然资源",
        frequency=CatalogItem.Frequency.QUARTERLY,
    )
    CatalogItemViaServicesFactory(
        actor=wg, provider=provider, code="ZX-ML-002", name='=HYPERLINK("x")', publish=False
    )
    CatalogItemViaServicesFactory(
        actor=wg, provider=provider, code="ZX-ML-003", name="-土地出让信息"
    )
    return provider


def test_dcat_is_a_catalog_with_one_dataset_per_published_item(client, catalog):
    client.force_login(UserFactory(unit=UnitFactory()))
    response = client.get("/catalog/export/dcat.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    doc = json.loads(response.content)
    assert doc["@type"] == "dcat:Catalog"
    assert doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert doc["@context"]["dct"] == "http://purl.org/dc/terms/"
    assert doc["dct:title"]["@language"] == "zh-CN"
    datasets = doc["dcat:dataset"]
    assert [d["zx:catalogCode"] for d in datasets] == ["ZX-ML-001", "ZX-ML-003"]
    land = datasets[0]
    assert land["@type"] == "dcat:Dataset"
    assert land["dct:identifier"] == "430408-ZX-NR-001"
    assert land["dct:title"] == {"@value": "不动产登记信息", "@language": "zh-CN"}
    assert land["dct:publisher"]["foaf:name"]["@value"] == "衡阳市自然资源和规划局蒸湘分局"
    assert land["dct:publisher"]["dct:identifier"] == "ZX-NR"
    assert land["dct:accrualPeriodicity"] == {"@id": "http://purl.org/cld/freq/quarterly"}
    assert land["dct:conformsTo"]["@type"] == "dct:Standard"
    assert "第二十条" in land["dct:conformsTo"]["dct:title"]["@value"]
    assert land["dct:accessRights"]["dct:title"]["@value"] == "无条件共享"
    assert land["dct:audience"][0]["dct:identifier"] == "TAX"
    assert land["dcat:distribution"][0]["dcat:accessURL"]["@id"].endswith("/template.xlsx")
    assert land["dct:issued"]["@type"] == "xsd:date"
    assert land["zx:fields"][0]["zx:key"] == "credit_code"


def test_dcat_through_the_api_matches_the_page(client, catalog):
    client.force_login(UserFactory(unit=UnitFactory()))
    api = client.get("/api/catalog-items/dcat/").json()
    assert [d["zx:catalogCode"] for d in api["dcat:dataset"]] == ["ZX-ML-001", "ZX-ML-003"]


def test_excel_catalog_lists_published_items_and_their_fields_safely(client, catalog):
    client.force_login(UserFactory(unit=UnitFactory()))
    response = client.get("/catalog/export/catalog.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook["目录清单"].values)
    assert rows[0][:4] == ("序号", "目录编码", "资源代码", "信息资源名称")
    assert [r[1] for r in rows[1:]] == ["ZX-ML-001", "ZX-ML-003"]
    assert rows[2][3] == "'-土地出让信息"  # a leading minus would be read as a formula
    assert rows[1][10] == "测试税务局"
    fields = list(workbook["信息项"].values)
    assert fields[1][:6] == ("ZX-ML-001", "不动产登记信息", 1, 1, "credit_code", "统一社会信用代码")
