"""Data shared by the catalog and obligation tests: the 市场主体登记注销信息 item's values and
fields (tests.factories.CatalogItemViaServicesFactory registers it), and local moments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sharing_catalog.models import CatalogItem

SHANGHAI = ZoneInfo("Asia/Shanghai")
VALID_CREDIT_CODE = "91430408MA4L2X3P1F"
VALID_ID_NUMBER = "430408200306121235"

FIELDS = [
    {"key": "credit_code", "label": "统一社会信用代码", "field_type": "credit_code",
     "required": True, "is_unique_key": True, "example": VALID_CREDIT_CODE},
    {"key": "name", "label": "单位名称", "field_type": "text", "required": True,
     "max_length": 100},
    {"key": "legal_rep_id", "label": "法定代表人身份证号码", "field_type": "id_number",
     "example": VALID_ID_NUMBER},
    {"key": "phone", "label": "联系电话", "field_type": "phone"},
    {"key": "state", "label": "登记状态", "field_type": "enum",
     "enum_values": ["设立", "变更", "注销"], "required": True},
    {"key": "amount", "label": "注册资本", "field_type": "decimal"},
    {"key": "approved_on", "label": "核准日期", "field_type": "date", "required": True},
    {"key": "updated_at", "label": "更新时间", "field_type": "datetime"},
    {"key": "active", "label": "是否有效", "field_type": "boolean"},
    {"key": "staff", "label": "从业人数", "field_type": "integer"},
]  # fmt: skip


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    """A local (Asia/Shanghai) moment, for time_machine."""
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def item_data(provider, **overrides) -> dict:
    data = {
        "code": "ZX-T-001",
        "name": "市场主体登记注销信息",
        "provider": provider,
        "sharing_class": CatalogItem.SharingClass.UNCONDITIONAL,
        "legal_basis": "《蒸湘区税费精诚共治实施办法（试行）》第二十条",
        "frequency": CatalogItem.Frequency.MONTHLY,
        "due_working_days": 5,
        "grace_working_days": 2,
        "transmission": CatalogItem.Transmission.PLATFORM_UPLOAD,
    }
    data.update(overrides)
    return data
