"""client.users beyond log-in: registration of every kind, profile updates, password resets,
SMS codes and captchas, each checked on the simulator's request log."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
import pytest

from gizwits_async import (
    Captcha,
    ErrorCode,
    Gender,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsError,
    GizwitsInvalidCredentialsError,
)
from gizwits_async._transport import Auth
from gizwits_async.models import AppToken, decode
from gizwits_async.simulator import GizwitsSimulator, SimError
from tests.conftest import PASSWORD, USERNAME, ClientFactory

PHONE = "13800138000"
PHONE_PASSWORD = "Ph0ne-secret-pw"
APP_TOKEN_HEADER = "X-Gizwits-Application-Token"
USER_TOKEN_HEADER = "X-Gizwits-User-token"


@pytest.fixture
def app_client(make_client: ClientFactory) -> GizwitsClient:
    """A client with the app secret but no user yet: what a sign-up screen has."""
    return make_client(username=None, password=None)


@pytest.fixture
def anonymous_client(make_client: ClientFactory) -> GizwitsClient:
    return make_client(username=None, password=None, phone_id="phone-id-1")


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def raw_post(sim: GizwitsSimulator, path: str, body: dict[str, Any]) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            sim.base_url + path, json=body, headers={"X-Gizwits-Application-Id": sim.app_id}
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


# -- registration -------------------------------------------------------------------------


async def test_phone_registration_end_to_end(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    assert re.fullmatch(r"[0-9]{6}", code)

    token = await app_client.users.create(phone=PHONE, password=PHONE_PASSWORD, code=code)
    create = sim.requests_to("POST", "/app/users")[-1]
    assert create.body == {"phone": PHONE, "password": PHONE_PASSWORD, "code": code}
    assert APP_TOKEN_HEADER not in create.headers
    assert USER_TOKEN_HEADER not in create.headers

    logged_in = await app_client.users.login(PHONE, PHONE_PASSWORD)
    assert logged_in.uid == token.uid
    assert sim.requests_to("POST", "/app/login")[-1].body == {
        "username": PHONE,
        "password": PHONE_PASSWORD,
    }
    assert (await app_client.users.get()).phone == PHONE


async def test_a_reused_sms_code_is_refused_with_9010(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    await app_client.users.create(phone=PHONE, password=PHONE_PASSWORD, code=code)
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.reset_password(phone=PHONE, new_pwd="Ph0ne-new-pw-2", code=code)
    assert caught.value.error_code == ErrorCode.CODE_INVALID
    assert sim.count("POST", "/app/reset_password") == 1  # a used code is never resent
    with pytest.raises(GizwitsAPIError) as again:
        await app_client.users.verify_sms_code(PHONE, code)
    assert again.value.error_code == ErrorCode.CODE_INVALID


async def test_a_code_texted_to_one_phone_does_not_register_another(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.create(
            phone="13900139000", password=PHONE_PASSWORD, code=sim.last_sms_code(PHONE)
        )
    assert caught.value.error_code == ErrorCode.CODE_INVALID


async def test_an_sms_code_expires_after_24_hours_of_simulator_time(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    sim.clock.advance(24 * 3600)
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.create(phone=PHONE, password=PHONE_PASSWORD, code=code)
    assert caught.value.error_code == ErrorCode.CODE_EXPIRED


async def test_registering_a_taken_phone_is_9018_and_keeps_the_code(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    sim.add_user("phoney", "Ph0ney-pw-123", phone=PHONE)
    await app_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.create(phone=PHONE, password=PHONE_PASSWORD, code=code)
    assert caught.value.error_code == ErrorCode.PHONE_UNAVAILABLE
    await app_client.users.verify_sms_code(PHONE, code)  # still unused


async def test_registering_a_taken_email_is_9022(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    sim.add_user("erin", "Er1n-secret-pw", email="erin@example.com")
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.create(email="erin@example.com", password="An0ther-pw-1")
    assert caught.value.error_code == ErrorCode.EMAIL_UNAVAILABLE


async def test_anonymous_registration_sends_phone_id_and_repeats_as_log_in(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    first = await app_client.users.create(phone_id="device-42", lang="en")
    again = await app_client.users.create(phone_id="device-42")
    requests = sim.requests_to("POST", "/app/users")
    assert [r.body for r in requests] == [
        {"phone_id": "device-42", "lang": "en"},
        {"phone_id": "device-42"},
    ]
    assert first.uid == again.uid
    assert first.token != again.token
    assert sim.state.users[first.uid].is_anonymous


async def test_third_party_registration_wraps_src_uid_token_in_auth_data(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    first = await app_client.users.create(src="qq", uid="qq-user-1", token="qq-oauth-token")
    again = await app_client.users.create(src="qq", uid="qq-user-1", token="qq-oauth-token-2")
    assert sim.requests_to("POST", "/app/users")[0].body == {
        "authData": {"src": "qq", "uid": "qq-user-1", "token": "qq-oauth-token"}
    }
    assert first.uid == again.uid
    assert sim.state.users[first.uid].third_party == ("qq", "qq-user-1")


async def test_simulator_also_accepts_the_flat_third_party_fields(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    wrapped = await app_client.users.create(src="wechat", uid="wx-1", token="wx-token")
    status, data = await raw_post(
        sim, "/app/users", {"src": "wechat", "uid": "wx-1", "token": "wx-token"}
    )
    assert status == 201
    assert data["uid"] == wrapped.uid


async def test_simulator_refuses_an_unknown_third_party_platform(sim: GizwitsSimulator) -> None:
    status, data = await raw_post(
        sim, "/app/users", {"authData": {"src": "myspace", "uid": "1", "token": "t"}}
    )
    assert (status, data["error_code"]) == (400, ErrorCode.FORM_INVALID)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"username": "x", "email": "x@example.com", "password": "pw-for-two-ids"},
        {"phone_id": "p1", "username": "x", "password": "pw"},
        {"src": "qq", "uid": "1", "token": "t", "password": "pw"},
        {"email": "x@example.com", "password": "pw", "code": "123456"},
        {"phone": "not-a-phone", "password": "pw", "code": "123456"},
        {"code": "123456"},
    ],
)
async def test_create_with_mixed_or_malformed_identities_is_refused_before_sending(
    sim: GizwitsSimulator, app_client: GizwitsClient, kwargs: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await app_client.users.create(**kwargs)
    assert sim.requests == []


async def test_login_of_an_unknown_user_is_9005(app_client: GizwitsClient) -> None:
    with pytest.raises(GizwitsInvalidCredentialsError) as caught:
        await app_client.users.login("nobody", "N0body-pw-1")
    assert caught.value.error_code == ErrorCode.USER_NOT_EXIST


async def test_login_with_a_wrong_password_is_9020(app_client: GizwitsClient) -> None:
    with pytest.raises(GizwitsInvalidCredentialsError) as caught:
        await app_client.users.login(USERNAME, "wrong-password-1")
    assert caught.value.error_code == ErrorCode.USERNAME_PASSWORD_ERROR


# -- update ---------------------------------------------------------------------------------


async def test_update_sends_profile_fields_and_returns_updated_at(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    before = datetime.fromtimestamp(sim.clock.now(), UTC).replace(microsecond=0)
    updated_at = await client.users.update(
        name="Alice", gender=Gender.FEMALE, birthday=date(1990, 5, 17), address="Guangzhou"
    )
    request = sim.requests_to("PUT", "/app/users")[-1]
    assert request.body == {
        "name": "Alice",
        "gender": "F",
        "birthday": "1990-05-17",
        "address": "Guangzhou",
    }
    assert request.headers[USER_TOKEN_HEADER] == client.token.token  # type: ignore[union-attr]
    assert updated_at is not None
    assert updated_at.tzinfo is not None
    assert updated_at.utcoffset() == UTC.utcoffset(None)
    assert before <= updated_at <= datetime.fromtimestamp(sim.clock.now(), UTC)
    profile = await client.users.get()
    assert (profile.name, profile.gender, profile.birthday) == (
        "Alice",
        Gender.FEMALE,
        "1990-05-17",
    )


async def test_update_that_changes_nothing_returns_none(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    assert await client.users.update(remark="hello", lang="zh-cn") is not None
    assert await client.users.update(remark="hello", lang="zh-cn") is None
    assert sim.count("PUT", "/app/users") == 2


async def test_simulator_answers_9999_when_nothing_changed(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    await client.users.update(name="Same")
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("PUT", "/app/users", json_body={"name": "Same"})
    assert caught.value.error_code == ErrorCode.RESERVED


async def test_update_passes_other_errors_through(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    with pytest.raises(GizwitsInvalidCredentialsError) as caught:
        await client.users.update(old_pwd="not-the-password", new_pwd="N3w-secret-pw")
    assert caught.value.error_code == ErrorCode.USERNAME_PASSWORD_ERROR


async def test_password_change_is_sent_once_and_used_for_the_next_log_in(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    await client.users.update(old_pwd=PASSWORD, new_pwd="N3w-secret-pw")
    assert sim.requests_to("PUT", "/app/users")[-1].body == {
        "old_pwd": PASSWORD,
        "new_pwd": "N3w-secret-pw",
    }
    sim.state.expire_tokens()
    await client.users.get()
    assert sim.requests_to("POST", "/app/login")[-1].body == {
        "username": USERNAME,
        "password": "N3w-secret-pw",
    }


async def test_password_change_is_not_resent_after_a_server_error(
    sim: GizwitsSimulator, client: GizwitsClient, sleeps: Any
) -> None:
    await client.users.get()
    sim.faults.add(method="PUT", path="/app/users", status=502, after_handler=True)
    with pytest.raises(GizwitsAPIError):
        await client.users.update(old_pwd=PASSWORD, new_pwd="N3w-secret-pw")
    assert sim.count("PUT", "/app/users") == 1
    assert sim.state.find_user(USERNAME).password == "N3w-secret-pw"  # type: ignore[union-attr]


async def test_profile_update_is_retried_like_any_put(
    sim: GizwitsSimulator, client: GizwitsClient, sleeps: Any
) -> None:
    await client.users.get()
    sim.faults.add(method="PUT", path="/app/users", status=502, after_handler=True)
    # The first attempt went through; the retry finds nothing to change (9999): no error.
    assert await client.users.update(name="Retried") is None
    assert sim.count("PUT", "/app/users") == 2


async def test_anonymous_user_becomes_a_normal_user(
    sim: GizwitsSimulator, anonymous_client: GizwitsClient
) -> None:
    assert (await anonymous_client.users.get()).is_anonymous is True
    await anonymous_client.users.update(username="carol", password="C4rol-secret-pw")
    assert sim.requests_to("PUT", "/app/users")[-1].body == {
        "username": "carol",
        "password": "C4rol-secret-pw",
    }
    profile = await anonymous_client.users.get()
    assert (profile.username, profile.is_anonymous) == ("carol", False)
    # The client now logs in with the new credentials; the phone_id makes a new account.
    sim.state.expire_tokens()
    assert (await anonymous_client.users.get()).uid == profile.uid
    assert sim.requests_to("POST", "/app/login")[-1].body == {
        "username": "carol",
        "password": "C4rol-secret-pw",
    }
    fresh = await anonymous_client.users.create(phone_id="phone-id-1")
    assert fresh.uid != profile.uid


async def test_anonymous_user_becomes_a_phone_user_with_a_code(
    sim: GizwitsSimulator, anonymous_client: GizwitsClient
) -> None:
    await anonymous_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    await anonymous_client.users.update(phone=PHONE, password=PHONE_PASSWORD, code=code)
    profile = await anonymous_client.users.get()
    assert (profile.phone, profile.is_anonymous) == (PHONE, False)
    login = await anonymous_client.users.login(PHONE, PHONE_PASSWORD)
    assert login.uid == profile.uid


async def test_phone_change_needs_a_fresh_code_and_a_free_number(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.add_user("other", "0ther-secret-pw", phone="13900139000")
    await client.users.send_sms_code("13900139000")
    with pytest.raises(GizwitsAPIError) as taken:
        await client.users.update(phone="13900139000", code=sim.last_sms_code("13900139000"))
    assert taken.value.error_code == ErrorCode.PHONE_UNAVAILABLE

    await client.users.send_sms_code(PHONE)
    with pytest.raises(GizwitsAPIError) as wrong:
        await client.users.update(phone=PHONE, code=wrong_code(sim.last_sms_code(PHONE)))
    assert wrong.value.error_code == ErrorCode.CODE_INVALID
    await client.users.update(phone=PHONE, code=sim.last_sms_code(PHONE))
    assert (await client.users.get()).phone == PHONE
    assert sim.requests_to("PUT", "/app/users")[-1].body == {
        "phone": PHONE,
        "code": sim.last_sms_code(PHONE),
    }


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"name": None, "remark": None},
        {"old_pwd": "only-the-old-one"},
        {"phone": PHONE},
        {"code": "123456"},
        {"password": "a-password-alone"},
        {"username": "name-without-password"},
        {"gender": "X"},
        {"birthday": "1990/05/17"},
        {"birthday": "2023-02-29"},
        {"birthday": "2000-W01-1"},
        {"email": ""},
    ],
)
async def test_update_with_nothing_valid_to_change_is_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, fields: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await client.users.update(**fields)
    assert sim.requests == []


@pytest.mark.parametrize("fields", [{"nickname": "x"}, {"gender": 1}, {"name": 5}])
async def test_update_with_unknown_or_mistyped_fields_raises_type_error(
    sim: GizwitsSimulator, client: GizwitsClient, fields: dict[str, Any]
) -> None:
    with pytest.raises(TypeError):
        await client.users.update(**fields)
    assert sim.requests == []


async def test_update_accepts_month_day_birthdays_and_clearing_free_text(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    await client.users.update(birthday="02-29", gender="m", remark="")
    assert sim.requests_to("PUT", "/app/users")[-1].body == {
        "birthday": "02-29",
        "gender": "M",
        "remark": "",
    }
    await client.users.update(birthday=datetime(1991, 1, 2, 3, 4, tzinfo=UTC))
    assert sim.requests_to("PUT", "/app/users")[-1].body == {"birthday": "1991-01-02"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, ErrorCode.FORM_INVALID),
        ({"nickname": "x"}, ErrorCode.FORM_INVALID),
        ({"name": 5}, ErrorCode.FORM_INVALID),
        ({"gender": "X"}, ErrorCode.FORM_INVALID),
        ({"birthday": "1990/05/17"}, ErrorCode.FORM_INVALID),
        ({"birthday": "02-30"}, ErrorCode.FORM_INVALID),
        ({"old_pwd": PASSWORD}, ErrorCode.FORM_INVALID),
        ({"username": "new-name", "password": "Pw-123456"}, ErrorCode.FORM_INVALID),
        ({"username": "new-name"}, ErrorCode.FORM_INVALID),
        ({"phone": PHONE}, ErrorCode.FORM_INVALID),
        ({"phone": "abc", "code": "123456"}, ErrorCode.FORM_INVALID),
        ({"email": "bob@example.com"}, ErrorCode.EMAIL_UNAVAILABLE),
        ({"old_pwd": PASSWORD, "new_pwd": PASSWORD}, ErrorCode.RESERVED),
        ({"username": USERNAME}, ErrorCode.RESERVED),
    ],
)
async def test_simulator_checks_every_update_before_changing_anything(
    sim: GizwitsSimulator, client: GizwitsClient, body: dict[str, Any], code: int
) -> None:
    sim.add_user("bob", "B0b-secret-pw", email="bob@example.com")
    before = sim.state.find_user(USERNAME).public()  # type: ignore[union-attr]
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("PUT", "/app/users", json_body=body)
    assert caught.value.error_code == code
    assert sim.state.find_user(USERNAME).public() == before  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"password": "Pw-1234567"}, ErrorCode.FORM_INVALID),
        ({"username": USERNAME, "password": "Pw-1234567"}, ErrorCode.USERNAME_UNAVAILABLE),
        ({"username": "dave", "password": "Pw-1234567", "old_pwd": "x", "new_pwd": "y"}, 9015),
    ],
)
async def test_simulator_refuses_incomplete_or_clashing_conversions(
    sim: GizwitsSimulator, anonymous_client: GizwitsClient, body: dict[str, Any], code: int
) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await anonymous_client._transport.request("PUT", "/app/users", json_body=body)
    assert caught.value.error_code == code
    assert (await anonymous_client.users.get()).is_anonymous is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/app/sms_code", {"phone": PHONE}),
        ("GET", "/app/verify/codes", None),
        ("PUT", "/app/verify/codes", {"phone": PHONE, "sms_code": "123456"}),
    ],
)
async def test_simulator_wants_an_application_token_for_codes(
    sim: GizwitsSimulator, client: GizwitsClient, method: str, path: str, body: Any
) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request(method, path, json_body=body, auth=Auth.NONE)
    assert caught.value.error_code == ErrorCode.TOKEN_INVALID
    assert sim.sms_outbox == []


# -- password reset -------------------------------------------------------------------------


async def test_reset_by_email_mails_a_link_that_sets_the_password(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    sim.add_user("erin", "Er1n-secret-pw", email="erin@example.com")
    await app_client.users.reset_password(email="erin@example.com")
    request = sim.requests_to("POST", "/app/reset_password")[-1]
    assert request.body == {"email": "erin@example.com"}
    assert USER_TOKEN_HEADER not in request.headers
    [mail] = sim.mail_outbox
    assert mail["to"] == "erin@example.com"
    assert mail["token"] in mail["link"]

    sim.complete_password_reset(mail["token"], "Er1n-new-pw-2")
    assert (await app_client.users.login("erin@example.com", "Er1n-new-pw-2")).uid
    with pytest.raises(SimError) as used:
        sim.complete_password_reset(mail["token"], "again")
    assert used.value.code == ErrorCode.CODE_INVALID


async def test_a_reset_link_expires_after_24_hours(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    sim.add_user("erin", "Er1n-secret-pw", email="erin@example.com")
    await app_client.users.reset_password(email="erin@example.com")
    sim.clock.advance(24 * 3600)
    with pytest.raises(SimError) as expired:
        sim.complete_password_reset(sim.mail_outbox[0]["token"], "Er1n-new-pw-2")
    assert expired.value.code == ErrorCode.CODE_EXPIRED


async def test_reset_by_phone_uses_the_sms_code(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    sim.add_user(None, PHONE_PASSWORD, phone=PHONE)
    await app_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    await app_client.users.reset_password(phone=PHONE, new_pwd="Ph0ne-new-pw-2", code=code)
    assert sim.requests_to("POST", "/app/reset_password")[-1].body == {
        "phone": PHONE,
        "new_pwd": "Ph0ne-new-pw-2",
        "code": code,
    }
    await app_client.users.login(PHONE, "Ph0ne-new-pw-2")
    with pytest.raises(GizwitsAPIError) as reused:
        await app_client.users.reset_password(phone=PHONE, new_pwd="Ph0ne-third-pw", code=code)
    assert reused.value.error_code == ErrorCode.CODE_INVALID


async def test_reset_for_an_unknown_email_is_9005(app_client: GizwitsClient) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.reset_password(email="nobody@example.com")
    assert caught.value.error_code == ErrorCode.USER_NOT_EXIST


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"new_pwd": "N3w-pw", "code": "123456"},
        {"email": "a@example.com", "phone": PHONE},
        {"email": "a@example.com", "new_pwd": "N3w-pw"},
        {"phone": PHONE, "new_pwd": "N3w-pw"},
        {"phone": PHONE, "code": "123456"},
    ],
)
async def test_reset_password_without_a_complete_way_is_refused_before_sending(
    sim: GizwitsSimulator, app_client: GizwitsClient, kwargs: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await app_client.users.reset_password(**kwargs)
    assert sim.requests == []


# -- SMS codes and captchas -----------------------------------------------------------------


async def test_sms_calls_carry_one_cached_application_token(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    await app_client.users.send_sms_code("+14246531234")
    assert sim.count("POST", "/app/request_token") == 1
    issued = next(iter(sim.state.app_tokens))
    sends = sim.requests_to("POST", "/app/sms_code")
    assert [r.body for r in sends] == [{"phone": PHONE}, {"phone": "+14246531234"}]
    for request in sends:
        assert request.headers[APP_TOKEN_HEADER] == issued
        assert USER_TOKEN_HEADER not in request.headers
    assert [sms["phone"] for sms in sim.sms_outbox] == [PHONE, "+14246531234"]


async def test_an_expired_application_token_is_renewed_and_the_call_replayed(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    sim.clock.advance(8 * 86400)  # past the simulator's 7-day app-token lifetime
    await app_client.users.send_sms_code(PHONE)
    assert sim.count("POST", "/app/request_token") == 2
    assert sim.count("POST", "/app/sms_code") == 3
    assert len(sim.sms_outbox) == 2


async def test_sms_calls_without_app_secret_fail_before_sending(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    async with make_client(username=None, password=None, app_secret=None) as client:
        with pytest.raises(GizwitsError, match=r"send_sms_code\(\) needs .*app_secret"):
            await client.users.send_sms_code(PHONE)
        with pytest.raises(GizwitsError, match="app_secret"):
            await client.users.get_captcha()
    assert sim.requests == []


async def test_verify_sms_code_uses_the_code_up(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    code = sim.last_sms_code(PHONE)
    await app_client.users.verify_sms_code(PHONE, code)
    request = sim.requests_to("POST", "/app/sms_code")[-1]
    assert request.body == {"phone": PHONE, "code": code}
    assert APP_TOKEN_HEADER in request.headers
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.verify_sms_code(PHONE, code)
    assert caught.value.error_code == ErrorCode.CODE_INVALID


async def test_a_code_in_other_digits_is_just_wrong(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    await app_client.users.send_sms_code(PHONE)
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.verify_sms_code(PHONE, "\uff11\uff12\uff13\uff14\uff15\uff16")
    assert caught.value.error_code == ErrorCode.CODE_INVALID


async def test_captcha_then_sms_then_check(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    captcha = await app_client.users.get_captcha()
    assert isinstance(captcha, Captcha)
    assert re.fullmatch(r"[0-9a-f]{40}", captcha.captcha_id)
    assert captcha.captcha_url == f"{sim.base_url}/captcha/image/{captcha.captcha_id}/"
    get = sim.requests_to("GET", "/app/verify/codes")[-1]
    assert get.body is None
    assert APP_TOKEN_HEADER in get.headers

    answer = sim.captcha_code(captcha.captcha_id)
    await app_client.users.verify_captcha(captcha.captcha_id, answer, PHONE)
    assert sim.requests_to("POST", "/app/verify/codes")[-1].body == {
        "captcha_id": captcha.captcha_id,
        "captcha_code": answer,
        "phone": PHONE,
    }
    sms_code = sim.last_sms_code(PHONE)

    await app_client.users.check_sms_code(PHONE, sms_code)
    check = sim.requests_to("PUT", "/app/verify/codes")[-1]
    assert check.body == {"phone": PHONE, "sms_code": sms_code}
    assert APP_TOKEN_HEADER in check.headers
    with pytest.raises(GizwitsAPIError) as reused:
        await app_client.users.check_sms_code(PHONE, sms_code)
    assert reused.value.error_code == ErrorCode.CODE_INVALID


async def test_a_wrong_captcha_is_9010_and_texts_nothing(
    sim: GizwitsSimulator, app_client: GizwitsClient
) -> None:
    captcha = await app_client.users.get_captcha()
    wrong = "0000" if sim.captcha_code(captcha.captcha_id) != "0000" else "1111"
    with pytest.raises(GizwitsAPIError) as caught:
        await app_client.users.verify_captcha(captcha.captcha_id, wrong, PHONE)
    assert caught.value.error_code == ErrorCode.CODE_INVALID
    assert sim.sms_outbox == []
    with pytest.raises(KeyError):
        sim.captcha_code(captcha.captcha_id)  # one attempt per captcha


@pytest.mark.parametrize("phone", ["", "138-0013-8000", "12", 13800138000])
async def test_a_malformed_phone_is_refused_before_sending(
    sim: GizwitsSimulator, app_client: GizwitsClient, phone: Any
) -> None:
    with pytest.raises((ValueError, TypeError)):
        await app_client.users.send_sms_code(phone)
    assert sim.requests == []


def test_last_sms_code_of_a_phone_never_texted_raises(sim: GizwitsSimulator) -> None:
    with pytest.raises(LookupError):
        sim.last_sms_code(PHONE)


@pytest.mark.parametrize("expired_at", [1522745530, "1522745530"])
def test_app_token_reads_expired_at_as_number_or_string(expired_at: Any) -> None:
    token = decode({"token": "t", "expired_at": expired_at}, AppToken)
    assert token.expire_at == datetime.fromtimestamp(1522745530, UTC)
