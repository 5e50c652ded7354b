"""The machine-readable codes this domain's ApplicationErrors carry (see core.errors)."""

from zhengxiang_portal.core.errors import ErrorCode


class AgencyErrorCode(ErrorCode):
    """Units, liaisons, roles and accounts (agencies.services): why a change to them is refused."""

    DUPLICATE_USERNAME = "duplicate_username"
    LIAISON_LINKED = "liaison_linked"
    SEPARATION_OF_DUTIES = "separation_of_duties"
    UNIT_REQUIRED = "unit_required"
    UNKNOWN_PERMISSION = "unknown_permission"
    UNKNOWN_ROLE = "unknown_role"
