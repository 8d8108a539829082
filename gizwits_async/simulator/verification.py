"""What the simulated cloud checks users with: SMS codes, image captchas and reset mails.

Nothing is really texted or mailed: codes go to ``sms_outbox`` and reset links to
``mail_outbox``, where tests and demos read them. SMS codes and reset links live 24 hours of
simulator time and are used up by a correct check (the doc, 验证码的获取和校验: valid 24 h by
default, void once checked correctly); a captcha is used up by any attempt, right or wrong.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Any, Final

from attrs import define

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator import ids
from gizwits_async.simulator.clock import SimClock
from gizwits_async.simulator.errors import SimError

SMS_CODE_LIFETIME: Final = 24 * 3600
RESET_LINK_LIFETIME: Final = 24 * 3600
PHONE: Final = re.compile(r"\+?[0-9]{5,20}")
_CAPTCHA_ALPHABET: Final = string.ascii_uppercase + string.digits


@define
class SmsCode:
    phone: str
    code: str
    expire_at: float


@define
class PasswordReset:
    token: str
    uid: str
    expire_at: float


class Verification:
    """Codes a phone, a captcha or a mailbox was sent, and whether they are still good."""

    def __init__(
        self,
        clock: SimClock,
        sms_outbox: list[dict[str, Any]],
        mail_outbox: list[dict[str, Any]],
    ) -> None:
        self.clock = clock
        self.sms_outbox = sms_outbox
        self.mail_outbox = mail_outbox
        # Only the latest code sent to a phone counts; sending again replaces it.
        self.sms_codes: dict[str, SmsCode] = {}
        self.captchas: dict[str, str] = {}
        self.password_resets: dict[str, PasswordReset] = {}

    # -- SMS codes ---------------------------------------------------------------------------

    def send_sms_code(self, phone: str) -> str:
        code = f"{ids.randbelow(10**6):06d}"
        now = self.clock.now()
        self.sms_codes[phone] = SmsCode(phone, code, now + SMS_CODE_LIFETIME)
        self.sms_outbox.append({"phone": phone, "code": code, "time": now})
        return code

    def use_sms_code(self, phone: str, code: str) -> None:
        """Check a code and use it up; 9010 if it is wrong or used, 9009 if it expired."""
        record = self.sms_codes.get(phone)
        if record is None or not secrets.compare_digest(record.code.encode(), code.encode()):
            raise SimError(ErrorCode.CODE_INVALID)
        if self.clock.now() >= record.expire_at:
            raise SimError(ErrorCode.CODE_EXPIRED)
        del self.sms_codes[phone]

    # -- captchas ----------------------------------------------------------------------------

    def new_captcha(self) -> tuple[str, str]:
        """A new captcha: its 40-hex id and the text its image would show."""
        captcha_id = ids.token_hex(20)
        code = "".join(ids.choice(_CAPTCHA_ALPHABET) for _ in range(4))
        self.captchas[captcha_id] = code
        return captcha_id, code

    def use_captcha(self, captcha_id: str, code: str) -> None:
        """One attempt per captcha (so it cannot be guessed); 9010 when unknown or wrong."""
        expected = self.captchas.pop(captcha_id, None)
        if expected is None or expected != code.strip().upper():
            raise SimError(ErrorCode.CODE_INVALID, "captcha invalid")

    # -- password reset mails ----------------------------------------------------------------

    def mail_reset_link(self, uid: str, email: str, origin: str) -> str:
        token = ids.token_hex(16)
        now = self.clock.now()
        self.password_resets[token] = PasswordReset(token, uid, now + RESET_LINK_LIFETIME)
        link = f"{origin}/reset_password?token={token}"
        self.mail_outbox.append(
            {
                "to": email,
                "subject": "Reset your password",
                "link": link,
                "token": token,
                "uid": uid,
                "time": now,
            }
        )
        return link

    def use_reset_link(self, token: str) -> str:
        """The uid a reset link was sent for, using the link up; 9010 unknown, 9009 expired."""
        record = self.password_resets.get(token)
        if record is None:
            raise SimError(ErrorCode.CODE_INVALID, "reset link invalid")
        if self.clock.now() >= record.expire_at:
            raise SimError(ErrorCode.CODE_EXPIRED, "reset link expired")
        del self.password_resets[token]
        return record.uid
