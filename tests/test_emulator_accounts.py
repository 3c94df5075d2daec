"""Accounts, credentials files and basic authentication (emulator/accounts.py)."""

import base64
from pathlib import Path

import pytest
from twilio_stream_emulator.accounts import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    Accounts,
    ApiKey,
    CredentialsError,
    read_accounts_file,
)

SID, TOKEN = "AC" + "1" * 32, "token-1"
OTHER_SID, OTHER_TOKEN = "AC" + "2" * 32, "token:2"
KEY_SID, KEY_SECRET = "SK" + "3" * 32, "key-secret:3"


def _basic(user: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


def test_no_configuration_means_the_local_defaults() -> None:
    accounts = Accounts.from_environment({})

    assert accounts.are_defaults
    assert accounts.tokens == {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN}


def test_the_environment_names_one_account() -> None:
    accounts = Accounts.from_environment({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN})

    assert (accounts.tokens, accounts.are_defaults) == ({SID: TOKEN}, False)


def test_a_file_and_the_environment_add_up(tmp_path: Path) -> None:
    path = tmp_path / "accounts"
    path.write_text(f"# local accounts\n\n{OTHER_SID}:{OTHER_TOKEN}\n", encoding="utf-8")

    accounts = Accounts.from_environment(
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "EMULATOR_ACCOUNTS_FILE": str(path)}
    )

    assert accounts.tokens == {SID: TOKEN, OTHER_SID: OTHER_TOKEN}


def test_the_environment_adds_an_api_key_to_its_account() -> None:
    accounts = Accounts.from_environment(
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_KEY": KEY_SID, "TWILIO_API_SECRET": "s"}
    )

    assert accounts.keys == {KEY_SID: ApiKey("s", SID)}


def test_a_file_holds_api_keys_of_its_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts"
    path.write_text(f"{OTHER_SID}:{OTHER_TOKEN}\n{KEY_SID}:{KEY_SECRET}:{OTHER_SID}\n", encoding="utf-8")

    accounts = Accounts.from_environment({"EMULATOR_ACCOUNTS_FILE": str(path)})

    assert (accounts.tokens, accounts.keys) == ({OTHER_SID: OTHER_TOKEN}, {KEY_SID: ApiKey(KEY_SECRET, OTHER_SID)})


@pytest.mark.parametrize(
    "environ",
    [
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_KEY": KEY_SID},
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_SECRET": KEY_SECRET},
        {"TWILIO_API_KEY": KEY_SID, "TWILIO_API_SECRET": KEY_SECRET},
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_KEY": SID, "TWILIO_API_SECRET": KEY_SECRET},
    ],
    ids=["key-without-secret", "secret-without-key", "key-without-account", "key-that-is-no-key-sid"],
)
def test_unusable_api_keys_are_refused_without_showing_the_secret(environ: dict[str, str]) -> None:
    with pytest.raises(CredentialsError) as raised:
        Accounts.from_environment(environ)

    assert KEY_SECRET not in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_a_key_of_an_account_without_a_token_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "accounts"
    path.write_text(f"{KEY_SID}:{KEY_SECRET}:{OTHER_SID}\n", encoding="utf-8")

    with pytest.raises(CredentialsError, match=OTHER_SID) as raised:
        Accounts.from_environment({"EMULATOR_ACCOUNTS_FILE": str(path)})

    assert KEY_SECRET not in str(raised.value)


def test_secrets_are_left_out_of_the_repr() -> None:
    text = repr(Accounts({SID: TOKEN}, {KEY_SID: ApiKey(KEY_SECRET, SID)}))

    assert TOKEN not in text
    assert KEY_SECRET not in text


@pytest.mark.parametrize(
    "environ",
    [
        {"TWILIO_ACCOUNT_SID": SID},
        {"TWILIO_AUTH_TOKEN": TOKEN},
        {"TWILIO_ACCOUNT_SID": "not-a-sid", "TWILIO_AUTH_TOKEN": TOKEN},
        {"EMULATOR_ACCOUNTS_FILE": "/nonexistent/accounts"},
    ],
)
def test_unusable_configurations_are_refused_without_showing_the_token(environ: dict[str, str]) -> None:
    with pytest.raises(CredentialsError) as raised:
        Accounts.from_environment(environ)

    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    "line",
    [
        "no-colon",
        f"{SID}:",
        "ACshort:token",
        f"{KEY_SID}:{KEY_SECRET}",
        f"{KEY_SID}:secret:ACshort",
        f"{KEY_SID}::{SID}",
    ],
)
def test_a_malformed_line_names_the_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "accounts"
    path.write_text(f"# header\n{line}\n", encoding="utf-8")

    with pytest.raises(CredentialsError, match=f"{path}:2"):
        read_accounts_file(path)


def test_a_line_written_token_first_names_the_line_and_not_the_token(tmp_path: Path) -> None:
    path = tmp_path / "accounts"
    path.write_text(f"{SID}:{TOKEN}\n{TOKEN}:{OTHER_SID}\n", encoding="utf-8")

    with pytest.raises(CredentialsError) as raised:
        read_accounts_file(path)

    assert f"{path}:2" in str(raised.value)
    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("tokens", "published"),
    [
        ({DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN}, True),
        ({SID: DEFAULT_AUTH_TOKEN}, True),
        ({SID: TOKEN, OTHER_SID: DEFAULT_AUTH_TOKEN}, True),
        ({DEFAULT_ACCOUNT_SID: TOKEN}, False),
        ({SID: TOKEN}, False),
    ],
)
def test_the_published_token_is_noticed_however_configured(tokens: dict[str, str], published: bool) -> None:
    assert Accounts(tokens).use_published_token is published


def test_authenticate_answers_the_account_of_valid_credentials() -> None:
    accounts = Accounts({SID: TOKEN, OTHER_SID: OTHER_TOKEN})

    assert accounts.authenticate(_basic(SID, TOKEN)) == SID
    assert accounts.authenticate(_basic(OTHER_SID, OTHER_TOKEN)) == OTHER_SID  # a token may hold ":"
    assert accounts.authenticate(b"basic " + _basic(SID, TOKEN)[6:]) == SID


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        b"",
        b"Basic",
        b"Basic ****",
        b"Bearer " + _basic(SID, TOKEN)[6:],
        _basic(SID, TOKEN + "x"),
        _basic(SID, ""),
        _basic(OTHER_SID, TOKEN),
        _basic("", TOKEN),
        b"Basic " + base64.b64encode(SID.encode()),
        b"Basic " + base64.b64encode(b"\xff\xfe:" + TOKEN.encode()),
    ],
)
def test_authenticate_refuses_anything_else(authorization: bytes | None) -> None:
    assert Accounts({SID: TOKEN}).authenticate(authorization) is None


def test_authenticate_answers_the_account_of_an_api_key() -> None:
    accounts = Accounts({SID: TOKEN, OTHER_SID: OTHER_TOKEN}, {KEY_SID: ApiKey(KEY_SECRET, OTHER_SID)})

    assert accounts.authenticate(_basic(KEY_SID, KEY_SECRET)) == OTHER_SID


@pytest.mark.parametrize(
    ("user", "password"),
    [
        (KEY_SID, KEY_SECRET + "x"),
        (KEY_SID, TOKEN),
        (KEY_SID, OTHER_TOKEN),
        (SID, KEY_SECRET),
        ("SK" + "4" * 32, KEY_SECRET),
    ],
    ids=["wrong-secret", "account-token", "key-account-token", "secret-as-token", "unknown-key"],
)
def test_authenticate_refuses_a_key_with_anything_but_its_secret(user: str, password: str) -> None:
    accounts = Accounts({SID: TOKEN, OTHER_SID: OTHER_TOKEN}, {KEY_SID: ApiKey(KEY_SECRET, OTHER_SID)})

    assert accounts.authenticate(_basic(user, password)) is None
