"""The machine-readable codes this domain's ApplicationErrors carry (see core.errors)."""

from zhengxiang_portal.core.errors import ErrorCode


class CalendarErrorCode(ErrorCode):
    """The working-day calendar (Art. 7): why a holiday schedule or a year is refused."""

    INVALID_SCHEDULE = "invalid_schedule"
    INVALID_YEAR = "invalid_year"
    SCHEDULE_FILE_ENCODING = "schedule_file_encoding"
    SCHEDULE_FILE_TOO_LARGE = "schedule_file_too_large"
