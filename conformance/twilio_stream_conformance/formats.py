"""A data strategy for the contract's `date-time-rfc-2822` format, which schemathesis does not know.

Without it, values come from the format's regular expression alone, which admits dates that do not
exist (`Mon, 31 Feb 2015 ...`). Real dates in GMT, as Twilio writes them, are what clients must parse.
"""

from datetime import UTC, datetime
from email.utils import format_datetime

from hypothesis import strategies as st

RFC_2822_FORMAT = "date-time-rfc-2822"


def _rfc2822_gmt(moment: datetime) -> str:
    # format_datetime writes `-0000` ("zone unknown") for naive datetimes; Twilio writes `+0000`.
    return format_datetime(moment.replace(tzinfo=UTC))


rfc2822_dates: st.SearchStrategy[str] = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(lambda moment: _rfc2822_gmt(moment.replace(microsecond=0)))
