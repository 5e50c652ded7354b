"""The machine-readable codes this domain's ApplicationErrors carry (see core.errors)."""

from zhengxiang_portal.core.errors import ErrorCode


class DocumentErrorCode(ErrorCode):
    """Numbered documents (公文: 文号 template, issuing authority): why issuing is refused."""

    ALREADY_ISSUED = "already_issued"
    INVALID_NUMBER_TEMPLATE = "invalid_number_template"
    ISSUING_UNIT_REQUIRED = "issuing_unit_required"
