"""What one emulator process needs to know; built from the environment so that every worker agrees.

The command line turns its options into the ``EMULATOR_*`` variables below before uvicorn starts the
workers, and each worker builds its app from them with :func:`twilio_stream_emulator.app.create_app_from_environment`.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from twilio_stream_emulator.accounts import Accounts

DB_ENV = "EMULATOR_DB"
STRICT_FORMS_ENV = "EMULATOR_STRICT_FORMS"
DEFAULT_DB = "emulator.sqlite3"
MEMORY_DB = ":memory:"
# Twilio's Stream forms are small; a body beyond this is refused with 413 before it is read.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """The accounts, the store file (``:memory:`` keeps nothing), the body size limit, and whether
    forms are strict (unknown and repeated fields refused, where Twilio ignores them)."""

    accounts: Accounts = field(default_factory=Accounts.defaults)
    db: str = MEMORY_DB
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    strict_forms: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        return cls(
            accounts=Accounts.from_environment(environ),
            db=environ.get(DB_ENV, DEFAULT_DB),
            strict_forms=environ.get(STRICT_FORMS_ENV) == "1",
        )
