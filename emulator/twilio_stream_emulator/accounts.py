"""The accounts the emulator knows and their Auth Tokens; HTTP basic authentication against them.

Sources, in this order (all of them are used together):
- ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``: one account, as Twilio's own tools read them;
- a credentials file (``--accounts-file`` or ``EMULATOR_ACCOUNTS_FILE``): one ``ACCOUNT_SID:AUTH_TOKEN``
  per line, blank lines and ``#`` comments ignored;
- neither: the documented local defaults below, fine on a developer's machine and nowhere else (the
  command line refuses to listen beyond loopback with them).
"""

import base64
import binascii
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import twilio_stream_contract as contract

DEFAULT_ACCOUNT_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # the contract's example account
DEFAULT_AUTH_TOKEN = "emulator-local-auth-token"  # noqa: S105 - a documented, loopback-only default
ACCOUNT_SID_ENV, AUTH_TOKEN_ENV, ACCOUNTS_FILE_ENV = "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "EMULATOR_ACCOUNTS_FILE"
# Compared against when the user is unknown, so that a wrong SID costs as long as a wrong token.
_UNKNOWN_ACCOUNT_TOKEN = b"\0" * 32


class CredentialsError(ValueError):
    """The configured credentials are unusable (the message says which and why, never the token)."""


@dataclass(frozen=True, slots=True)
class Accounts:
    """Account SID -> Auth Token, and whether these are the local defaults."""

    tokens: Mapping[str, str]
    are_defaults: bool = False

    @property
    def use_published_token(self) -> bool:
        """Whether any account has the documented default token, however it was configured."""
        return DEFAULT_AUTH_TOKEN in self.tokens.values()

    @classmethod
    def defaults(cls) -> "Accounts":
        return cls({DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN}, are_defaults=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Accounts":
        environ = os.environ if environ is None else environ
        tokens: dict[str, str] = {}
        path = environ.get(ACCOUNTS_FILE_ENV)
        if path:
            tokens.update(read_accounts_file(Path(path)))
        account_sid, auth_token = environ.get(ACCOUNT_SID_ENV), environ.get(AUTH_TOKEN_ENV)
        if bool(account_sid) != bool(auth_token):
            raise CredentialsError(f"set both {ACCOUNT_SID_ENV} and {AUTH_TOKEN_ENV}, or neither")
        if account_sid and auth_token:
            tokens[_checked_sid(account_sid, ACCOUNT_SID_ENV)] = auth_token
        return cls(tokens) if tokens else cls.defaults()

    def authenticate(self, authorization: bytes | None) -> str | None:
        """The Account SID an ``Authorization: Basic ...`` header proves, or None."""
        if authorization is None:
            return None
        scheme, _, encoded = authorization.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            user, separator, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return None
        account_sid = user.decode("utf-8", "replace") if separator else ""
        token = self.tokens.get(account_sid)
        expected = token.encode("utf-8") if token is not None else _UNKNOWN_ACCOUNT_TOKEN
        if hmac.compare_digest(password, expected) and token is not None:
            return account_sid
        return None


def _checked_sid(account_sid: str, where: str) -> str:
    # The value is never quoted: a line written token first would put the token in the message.
    if not contract.ACCOUNT_SID.fullmatch(account_sid):
        raise CredentialsError(f"{where}: not an Account SID (AC followed by 32 hex digits)")
    return account_sid


def read_accounts_file(path: Path) -> dict[str, str]:
    """Parse a credentials file: ``ACCOUNT_SID:AUTH_TOKEN`` per line, ``#`` comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CredentialsError(f"cannot read the accounts file {path}: {error}") from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        account_sid, separator, token = line.partition(":")
        if not separator or not token:
            raise CredentialsError(f"{path}:{number}: expected ACCOUNT_SID:AUTH_TOKEN")
        where = f"{path}:{number}: expected ACCOUNT_SID:AUTH_TOKEN, the Account SID first"
        tokens[_checked_sid(account_sid.strip(), where)] = token.strip()
    return tokens
