"""The machine-readable codes this domain's ApplicationErrors carry (see core.errors)."""

from zhengxiang_portal.core.errors import ErrorCode


class SecurityErrorCode(ErrorCode):
    """Accounts and role changes under 三员分立 (security.services): why a change is refused."""

    ALREADY_DECIDED = "already_decided"
    NO_CHANGE = "no_change"
    PENDING_EXISTS = "pending_exists"
    REASON_REQUIRED = "reason_required"
    SEPARATION_OF_DUTIES = "separation_of_duties"
    STALE = "stale"
    UNIT_REQUIRED = "unit_required"
    UNKNOWN_ROLE = "unknown_role"
