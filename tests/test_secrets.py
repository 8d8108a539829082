"""Tokens and passwords never reach logs, reprs or exception messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

import pytest

from gizwits_async import ErrorCode, GizwitsClient, GizwitsError, SharingInvitation
from gizwits_async._redact import redact_text
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME, ClientFactory


async def test_token_and_password_stay_out_of_debug_logs_reprs_and_errors(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    alice_uid: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    errors: list[GizwitsError] = []
    async with make_client() as client:
        await client.devices.latest(did)
        app_token = await client.users.request_app_token()
        sim.faults.add(method="GET", path=".*/latest", error_code=ErrorCode.TOKEN_INVALID, times=2)
        try:
            await client.devices.latest(did)
        except GizwitsError as err:
            errors.append(err)
        await client.devices.control(did, attrs={"switch": True})
        token = client.token
        assert token is not None
        reprs = [repr(client), repr(token), repr(app_token), repr(client._auth), str(client)]
    secrets = [PASSWORD, token.token, app_token.token, sim.app_secret]
    secrets += list(sim.state.tokens)
    texts = [caplog.text, *reprs, *(str(e) for e in errors), *(repr(e) for e in errors)]
    assert errors, "the doubled token error should have raised"
    assert caplog.records, "DEBUG logging produced nothing to check"
    for secret in secrets:
        for text in texts:
            assert secret not in text


# -- a whole DEBUG run: log-in, app token, SMS and captcha codes, QR shares, bind_mac, control

PHONE = "13800138000"
NEW_PHONE = "13900139000"
BOB, BOB_PASSWORD = "bob", "B0b-secret-pw"
WRONG_PASSWORD = "Wr0ng-secret-pw"
PRODUCT_SECRET = "0123456789abcdef0123456789abcdef"  # conftest's product


class Run:
    """Everything a run produced that must not show a secret."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.models: list[object] = []

    async def expect_error(self, call: Awaitable[object]) -> GizwitsError:
        with pytest.raises(GizwitsError) as caught:
            await call
        self.errors.append(caught.value)
        return caught.value

    def texts(self) -> list[str]:
        texts = [repr(model) for model in self.models] + [str(model) for model in self.models]
        for error in self.errors:
            chained: BaseException | None = error
            while chained is not None:  # the error and what it was raised from
                texts += [str(chained), repr(chained), repr(chained.args)]
                texts += [str(getattr(chained, name, "")) for name in ("body", "detail")]
                chained = chained.__cause__ or chained.__context__
        return texts


async def test_a_debug_run_leaks_no_token_password_secret_passcode_or_code(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    alice_uid: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.add_user(BOB, BOB_PASSWORD)
    run = Run()
    async with make_client(
        username=None, password=None, product_secrets={PRODUCT_KEY: PRODUCT_SECRET}
    ) as alice:
        run.models.append(await alice.login(USERNAME, PASSWORD))
        run.models.append(await alice.users.request_app_token())
        captcha_code = await _verification_codes(sim, alice, run)
        invitation = await _qr_share(sim, make_client, alice, did, run)
        await _control(sim, alice, did, run)
        await _cut_off_answers(sim, alice, run)
        run.models += [alice, alice._auth, alice._app_tokens, alice.token]

    assert invitation.code is not None
    assert invitation.qr_content is not None
    secrets = {
        PASSWORD,
        BOB_PASSWORD,
        WRONG_PASSWORD,
        sim.app_secret,
        PRODUCT_SECRET,
        sim.device(did).passcode,
        *(device.passcode for device in sim.state.devices.values()),
        captcha_code,
        invitation.code,
        invitation.qr_content,
        *(sms["code"] for sms in sim.sms_outbox),
        *sim.state.tokens,
        *sim.state.app_tokens,
    }
    assert len(run.errors) == 10
    assert len(sim.state.tokens) >= 4
    assert len(sim.sms_outbox) == 3
    assert any(record.levelno == logging.DEBUG for record in caplog.records)
    texts = [caplog.text, *run.texts()]
    for secret in secrets:
        assert len(secret) >= 4
        leaks = [text for text in texts if secret in text]
        assert not leaks, f"a secret shows in {leaks[0][:300]!r}"


async def _verification_codes(sim: GizwitsSimulator, alice: GizwitsClient, run: Run) -> str:
    """SMS codes sent, refused, accepted and used up; a phone registration; a captcha."""
    await alice.users.send_sms_code(PHONE)
    sms = sim.last_sms_code(PHONE)
    await run.expect_error(alice.users.verify_sms_code(PHONE, _other(sms)))
    await alice.users.verify_sms_code(PHONE, sms)
    await run.expect_error(alice.users.verify_sms_code(PHONE, sms))
    await alice.users.send_sms_code(NEW_PHONE)
    code = sim.last_sms_code(NEW_PHONE)
    run.models.append(await alice.users.create(phone=NEW_PHONE, password=BOB_PASSWORD, code=code))
    captcha = await alice.users.get_captcha()
    run.models.append(captcha)
    captcha_code = sim.captcha_code(captcha.captcha_id)
    await alice.users.verify_captcha(captcha.captcha_id, captcha_code, PHONE)
    checked = sim.last_sms_code(PHONE)
    await alice.users.check_sms_code(PHONE, checked)
    await run.expect_error(alice.users.check_sms_code(PHONE, checked))
    return captcha_code


async def _qr_share(
    sim: GizwitsSimulator, make_client: ClientFactory, alice: GizwitsClient, did: str, run: Run
) -> SharingInvitation:
    """A QR share read and accepted by bob, reused, and echoed by a proxy's error page."""
    invitation = await alice.sharing.create(did=did, type=1)
    run.models.append(invitation)
    code = invitation.code
    assert code is not None
    async with make_client(username=BOB, password=BOB_PASSWORD, app_secret=None) as bob:
        run.models.append(await bob.sharing.qr_info(code))
        await bob.sharing.accept_qr(code)
        await run.expect_error(bob.sharing.accept_qr(code))
        page = f"<h1>404</h1><p>/app/sharing/code/{code} was not found on this server</p>"
        sim.faults.add(method="GET", path="/app/sharing/code/.+", status=404, body=page)
        await run.expect_error(bob.sharing.qr_info(code))
        run.models.append(await bob.devices.get(did))
    return invitation


async def _control(sim: GizwitsSimulator, alice: GizwitsClient, did: str, run: Run) -> None:
    """A signed bind, control, devices with their passcode, and a token refused twice."""
    sim.add_device(PRODUCT_KEY, mac="a1b2c3d4e5f6")
    run.models.append(await alice.bindings.bind_mac(PRODUCT_KEY, "A1:B2:C3:D4:E5:F6"))
    sim.faults.add(method="POST", path="/app/bind_mac", error_code=9044)
    await run.expect_error(alice.bindings.bind_mac(PRODUCT_KEY, "A1:B2:C3:D4:E5:F6"))
    await alice.devices.control(did, attrs={"switch": True})
    run.models.append(await alice.devices.get(did))
    run.models += await alice.bindings.list().collect()
    sim.faults.add(method="POST", path="/app/control/.+", error_code=9004, times=2)
    await run.expect_error(alice.devices.control(did, attrs={"switch": False}))


async def _cut_off_answers(sim: GizwitsSimulator, alice: GizwitsClient, run: Run) -> None:
    """Answers cut off after their secret began, and a refused password."""
    sim.faults.add(method="POST", path="/app/login", after_handler=True, truncate=60)
    await run.expect_error(alice.login(USERNAME, PASSWORD))
    sim.faults.add(method="POST", path="/app/request_token", after_handler=True, truncate=20)
    await run.expect_error(alice.users.request_app_token())
    await run.expect_error(alice.login(USERNAME, WRONG_PASSWORD))


def _other(code: str) -> str:
    """A code of the same shape that is not ``code``."""
    return "".join(str((int(digit) + 1) % 10) for digit in code)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"uid": "u1", "token": "5ecret-t0ken', '{"uid": "u1", "token": "**REDACTED**"'),
        ('{"code": 123456, "a": 1}', '{"code": "**REDACTED**", "a": 1}'),
        ('{"passcode":"ab\\"cd","x":2}', '{"passcode":"**REDACTED**","x":2}'),
        ('{"error_code": 9010, "password" :', '{"error_code": 9010, "password" :'),
        (
            "<p>/app/sharing/code/C0DE5 not found</p>",
            "<p>/app/sharing/code/**REDACTED** not found</p>",
        ),
    ],
)
def test_secrets_in_a_body_that_is_not_json_are_hidden(text: str, shown: str) -> None:
    assert redact_text(text, ["C0DE5"]) == shown
