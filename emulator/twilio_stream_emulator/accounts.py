"""The accounts the emulator knows, their Auth Tokens and API keys; HTTP basic authentication against them.

Sources, in this order (all of them are used together):
- ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``: one account, as Twilio's own tools read them, and
  optionally ``TWILIO_API_KEY`` and ``TWILIO_API_SECRET``: an API key of that account;
- a credentials file (``--accounts-file`` or ``EMULATOR_ACCOUNTS_FILE``), one credential per line:
  ``ACCOUNT_SID:AUTH_TOKEN`` for an account, ``API_KEY_SID:SECRET:ACCOUNT_SID`` for an API key of an
  account the file or the environment defines; blank lines and ``#`` comments ignored;
- neither: the documented local defaults below, fine on a developer's machine and nowhere else (the
  command line refuses to listen beyond loopback with them).

As on Twilio, a request authenticates with the Account SID and Auth Token, or with an API key's SID
and secret; either way the account is the one in the path (an API key proves its own account only).
Every account has an Auth Token, whatever authenticates its requests: Twilio signs what it sends
(status callbacks, the Media Stream's handshake) with the Auth Token.
"""

import base64
import binascii
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import twilio_stream_contract as contract

DEFAULT_ACCOUNT_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # the contract's example account
DEFAULT_AUTH_TOKEN = "emulator-local-auth-token"  # noqa: S105 - a documented, loopback-only default
ACCOUNT_SID_ENV, AUTH_TOKEN_ENV, ACCOUNTS_FILE_ENV = "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "EMULATOR_ACCOUNTS_FILE"
API_KEY_ENV, API_SECRET_ENV = "TWILIO_API_KEY", "TWILIO_API_SECRET"
# Compared against when the user is unknown, so that a wrong SID costs as long as a wrong secret.
_UNKNOWN_USER_SECRET = b"\0" * 32


class CredentialsError(ValueError):
    """The configured credentials are unusable (the message says which and why, never a secret)."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key: its secret, and the account whose requests it may make."""

    secret: str = field(repr=False)
    account_sid: str


@dataclass(frozen=True, slots=True)
class Accounts:
    """Account SID -> Auth Token, API key SID -> key, and whether these are the local defaults."""

    tokens: Mapping[str, str] = field(repr=False)
    keys: Mapping[str, ApiKey] = field(default_factory=dict, repr=False)
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
        keys: dict[str, ApiKey] = {}
        path = environ.get(ACCOUNTS_FILE_ENV)
        if path:
            file_tokens, file_keys = read_accounts_file(Path(path))
            tokens.update(file_tokens)
            keys.update(file_keys)
        account_sid, auth_token = environ.get(ACCOUNT_SID_ENV), environ.get(AUTH_TOKEN_ENV)
        if bool(account_sid) != bool(auth_token):
            raise CredentialsError(f"set both {ACCOUNT_SID_ENV} and {AUTH_TOKEN_ENV}, or neither")
        if account_sid and auth_token:
            tokens[_checked_sid(account_sid, "AC", ACCOUNT_SID_ENV)] = auth_token
        key_sid, key_secret = environ.get(API_KEY_ENV), environ.get(API_SECRET_ENV)
        if bool(key_sid) != bool(key_secret):
            raise CredentialsError(f"set both {API_KEY_ENV} and {API_SECRET_ENV}, or neither")
        if key_sid and key_secret:
            if not account_sid:
                raise CredentialsError(f"{API_KEY_ENV} needs {ACCOUNT_SID_ENV} and {AUTH_TOKEN_ENV}: the key's account")
            keys[_checked_sid(key_sid, "SK", API_KEY_ENV)] = ApiKey(key_secret, account_sid)
        _check_key_accounts(keys, tokens)
        return cls(tokens, keys) if tokens else cls.defaults()

    def authenticate(self, authorization: bytes | None) -> str | None:
        """The Account SID an ``Authorization: Basic ...`` header proves, or None.

        The user is an Account SID (the password its Auth Token) or an API key SID (the password its
        secret). Secrets are compared in constant time, and an unknown user costs as long as a known one.
        """
        if authorization is None:
            return None
        scheme, _, encoded = authorization.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            user, separator, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return None
        sid = user.decode("utf-8", "replace") if separator else ""
        key = self.keys.get(sid)
        account_sid = key.account_sid if key is not None else sid
        secret = key.secret if key is not None else self.tokens.get(sid)
        expected = secret.encode("utf-8") if secret is not None else _UNKNOWN_USER_SECRET
        if hmac.compare_digest(password, expected) and secret is not None:
            return account_sid
        return None


def _checked_sid(sid: str, prefix: str, where: str) -> str:
    # The value is never quoted: a line written secret first would put the secret in the message.
    pattern = contract.ACCOUNT_SID if prefix == "AC" else contract.API_KEY_SID
    if not pattern.fullmatch(sid):
        raise CredentialsError(f"{where}: not {'an Account' if prefix == 'AC' else 'an API key'} SID")
    return sid


def _check_key_accounts(keys: Mapping[str, ApiKey], tokens: Mapping[str, str]) -> None:
    for key_sid, key in keys.items():
        if key.account_sid not in tokens:
            raise CredentialsError(f"the API key {key_sid} belongs to {key.account_sid}, which has no Auth Token here")


def read_accounts_file(path: Path) -> tuple[dict[str, str], dict[str, ApiKey]]:
    """Parse a credentials file: ``ACCOUNT_SID:AUTH_TOKEN`` or ``API_KEY_SID:SECRET:ACCOUNT_SID`` per line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CredentialsError(f"cannot read the accounts file {path}: {error}") from None
    tokens: dict[str, str] = {}
    keys: dict[str, ApiKey] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        sid, separator, secret = (part.strip() for part in line.partition(":"))
        expected = f"{path}:{number}: expected ACCOUNT_SID:AUTH_TOKEN or API_KEY_SID:SECRET:ACCOUNT_SID"
        if not separator or not secret:
            raise CredentialsError(expected)
        if sid.startswith("SK"):
            secret, separator, account_sid = (part.strip() for part in secret.rpartition(":"))
            if not separator or not secret:
                raise CredentialsError(expected)
            keys[_checked_sid(sid, "SK", expected)] = ApiKey(secret, _checked_sid(account_sid, "AC", expected))
        else:
            tokens[_checked_sid(sid, "AC", expected + ", the SID first")] = secret
    return tokens, keys
