"""The simulated cloud's state, in plain classes. Handlers read and change it; tests may too.

Areas keep their own records here (users, tokens, products, devices, bindings, messages,
groups) so that flows crossing areas (a share accepted makes a guest binding and messages, a
scene controls a group) work on one consistent picture.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import Factory, define

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator import ids, raw_log
from gizwits_async.simulator.automation import Automation
from gizwits_async.simulator.clock import SimClock
from gizwits_async.simulator.datapoints import check_attrs
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.verification import Verification

DEFAULT_TOKEN_LIFETIME = 180 * 86400
DEVICE_HOST = "sandbox.gizwits.com"


def new_id(length: int = 32) -> str:
    """A hex id or secret of ``length`` digits (seeded by ``ids.seed``)."""
    return ids.token_hex(length // 2)


def new_did() -> str:
    """A 22-character did, as the cloud gives them."""
    alphabet = string.ascii_letters + string.digits
    return "".join(ids.choice(alphabet) for _ in range(22))


def new_mac() -> str:
    """A MAC address as 12 hex digits."""
    return ids.token_hex(6)


@define
class App:
    app_id: str
    app_secret: str


@define
class User:
    uid: str
    username: str | None = None
    email: str | None = None
    phone: str | None = None
    password: str | None = None
    phone_id: str | None = None
    is_anonymous: bool = False
    third_party: tuple[str, str] | None = None
    profile: dict[str, Any] = Factory(dict)
    lang: str = "en"

    def public(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "username": self.username or "",
            "phone": self.phone or "",
            "email": self.email or "",
            "name": self.profile.get("name", ""),
            "gender": self.profile.get("gender", "N"),
            "birthday": self.profile.get("birthday", ""),
            "address": self.profile.get("address", ""),
            "lang": self.lang,
            "remark": self.profile.get("remark", ""),
            "is_anonymous": self.is_anonymous,
        }


@define
class Token:
    token: str
    uid: str
    expire_at: float


@define
class Product:
    product_key: str
    product_secret: str
    name: str
    datapoints: dict[str, Any] | None = None

    def attr_specs(self) -> dict[str, dict[str, Any]]:
        """Datapoint definitions by name (empty when the product has none)."""
        if not self.datapoints:
            return {}
        specs: dict[str, dict[str, Any]] = {}
        for entity in self.datapoints.get("entities", []):
            for attr in entity.get("attrs", []):
                specs[attr["name"]] = attr
        return specs


@define
class Device:
    did: str
    product_key: str
    mac: str
    passcode: str
    is_online: bool = True
    is_disabled: bool = False
    attrs: dict[str, Any] = Factory(dict)
    updated_at: float = 0.0
    raw_log: list[dict[str, Any]] = Factory(list)
    type: str = "normal"
    sharing_enabled: bool = False
    control_count: int = 0
    # What real bindings entries and device details carry beyond the doc (issue #15); the
    # defaults are values recorded from real devices (tests/fixtures/real/).
    protoc: int = 3
    proto_ver: str = "04"
    mcu_soft_version: str = "00000001"
    mcu_hard_version: str = "00000001"
    wifi_soft_version: str = "04020028"
    wifi_hard_version: str = "00ESP826"
    sleep_duration: int = 0
    is_low_power: bool = False
    gw_did: str | None = None
    mesh_id: str | None = None
    # When the device last came online or went offline.
    state_last_timestamp: float = 0.0


@define
class Binding:
    uid: str
    did: str
    role: str
    created_at: float
    remark: str = ""
    dev_alias: str = ""
    dev_label: list[str] = Factory(list)


@define
class Message:
    id: str
    uid: str
    type: int
    content: str
    created_at: float
    updated_at: float
    status: int = 0


@define
class Group:
    id: str
    uid: str
    group_name: str
    product_key: str | None
    created_at: float
    dids: list[str] = Factory(list)
    updated_at: float | None = None


@define
class Share:
    """A device share: a normal invitation to one user, or a QR code for whoever scans it.

    ``status`` is the doc's: 0 pending, 1 accepted, 2 rejected, 3 cancelled. ``aliases`` holds
    each side's note about the other user (uid of the writer → alias).
    """

    id: int
    type: int
    did: str
    owner_uid: str
    guest_uid: str | None
    created_at: float
    expired_at: float
    updated_at: float
    status: int = 0
    duration: int | None = None
    code: str | None = None
    aliases: dict[str, str] = Factory(dict)


@define(frozen=True)
class DeviceEvent:
    """Something a device did: ``data`` (a report), ``online``, ``offline``."""

    kind: str
    did: str
    before: dict[str, Any]
    after: dict[str, Any]
    time: float
    # What a ``data`` event's report carried (values equal to the old ones included).
    reported: dict[str, Any] | None = None


DeviceListener = Callable[[DeviceEvent], None]
# (uid, did, bound): a binding was made or taken away.
BindingListener = Callable[[str, str, bool], None]


class SimState:
    def __init__(self, clock: SimClock, *, token_lifetime: float = DEFAULT_TOKEN_LIFETIME) -> None:
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.app_tokens: dict[str, Token] = {}
        self.products: dict[str, Product] = {}
        self.devices: dict[str, Device] = {}
        self.bindings: dict[tuple[str, str], Binding] = {}
        self.messages: dict[str, Message] = {}
        self.groups: dict[str, Group] = {}
        self.shares: dict[int, Share] = {}
        self.device_listeners: list[DeviceListener] = []
        self.binding_listeners: list[BindingListener] = []
        # Where bindings say the device's push endpoint is: the simulator's own address.
        self.endpoint_host = DEVICE_HOST
        self.endpoint_port = 8080
        self.login_count = 0
        self.sms_outbox: list[dict[str, Any]] = []
        self.mail_outbox: list[dict[str, Any]] = []
        self.verification = Verification(clock, self.sms_outbox, self.mail_outbox)
        # Rules, scenes, schedules and report history; it listens to device events.
        self.automation = Automation(self)
        self.bind_codes: dict[str, str] = {}
        # "flat" (the doc's raw_data answer) or "nested" (the recorded EU answer, issue #15).
        self.raw_data_shape = "flat"

    # -- apps and users --------------------------------------------------------------------

    def check_app(self, app_id: str | None) -> App:
        if not app_id or app_id not in self.apps:
            raise SimError(ErrorCode.APPID_INVALID)
        return self.apps[app_id]

    def find_user(self, login: str) -> User | None:
        for user in self.users.values():
            if login in (user.username, user.email, user.phone) and login:
                return user
        return None

    def add_user(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        phone_id: str | None = None,
    ) -> User:
        for value, code in (
            (username, ErrorCode.USERNAME_UNAVAILABLE),
            (email, ErrorCode.EMAIL_UNAVAILABLE),
            (phone, ErrorCode.PHONE_UNAVAILABLE),
        ):
            if value and self.find_user(value) is not None:
                raise SimError(code)
        user = User(
            uid=new_id(),
            username=username,
            email=email,
            phone=phone,
            password=password,
            phone_id=phone_id,
            is_anonymous=phone_id is not None,
        )
        self.users[user.uid] = user
        return user

    def issue_token(self, user: User) -> dict[str, Any]:
        token = Token(
            token=new_id(), uid=user.uid, expire_at=self.clock.now() + self.token_lifetime
        )
        self.tokens[token.token] = token
        self.login_count += 1
        return {"uid": user.uid, "token": token.token, "expire_at": int(token.expire_at)}

    def user_for_token(self, token: str | None) -> User:
        record = self.tokens.get(token or "")
        if record is None:
            raise SimError(ErrorCode.TOKEN_INVALID)
        if record.expire_at <= self.clock.now():
            raise SimError(ErrorCode.TOKEN_EXPIRED)
        return self.users[record.uid]

    def expire_tokens(self) -> None:
        """Make every user token expired now (the cloud answers 9006 to each)."""
        now = self.clock.now()
        for token in self.tokens.values():
            token.expire_at = min(token.expire_at, now)

    # -- products and devices --------------------------------------------------------------

    def add_product(
        self,
        product_key: str,
        *,
        datapoints: dict[str, Any] | None = None,
        product_secret: str | None = None,
        name: str | None = None,
    ) -> Product:
        product = Product(
            product_key=product_key,
            product_secret=product_secret or new_id(),
            name=name or (datapoints or {}).get("name") or product_key[:8],
            datapoints=datapoints,
        )
        self.products[product_key] = product
        return product

    def add_device(
        self,
        product_key: str,
        *,
        mac: str | None = None,
        online: bool = True,
        attrs: dict[str, Any] | None = None,
        did: str | None = None,
    ) -> Device:
        if product_key not in self.products:
            raise KeyError(f"unknown product {product_key}; add_product first")
        device = Device(
            did=did or new_did(),
            product_key=product_key,
            mac=(mac or new_mac()).lower(),
            passcode=new_id(10),
            is_online=online,
            state_last_timestamp=self.clock.now(),
        )
        if attrs:
            device.attrs.update(attrs)
            device.updated_at = self.clock.now()
        self.devices[device.did] = device
        return device

    def device(self, did: str) -> Device:
        device = self.devices.get(did)
        if device is None:
            raise SimError(ErrorCode.DEVICE_NOT_FOUND)
        return device

    def device_by_mac(self, product_key: str, mac: str) -> Device | None:
        mac = mac.lower()
        for device in self.devices.values():
            if device.product_key == product_key and device.mac == mac:
                return device
        return None

    def device_json(self, device: Device, binding: Binding | None = None) -> dict[str, Any]:
        product = self.products[device.product_key]
        data: dict[str, Any] = {
            "product_key": device.product_key,
            "did": device.did,
            "mac": device.mac,
            "is_online": device.is_online,
            "passcode": device.passcode,
            "host": self.endpoint_host,
            "port": self.endpoint_port,
            "port_s": self.endpoint_port,
            "ws_port": self.endpoint_port,
            "wss_port": self.endpoint_port,
            "is_disabled": device.is_disabled,
            "type": device.type,
            "product_name": product.name,
            "is_sandbox": True,
        }
        data.update(self._recorded_fields(device))
        data.update(
            mcu_soft_version=device.mcu_soft_version,
            mcu_hard_version=device.mcu_hard_version,
            wifi_soft_version=device.wifi_soft_version,
            wifi_hard_version=device.wifi_hard_version,
        )
        if binding is not None:
            data.update(
                remark=binding.remark,
                dev_alias=binding.dev_alias,
                dev_label=list(binding.dev_label),
                role=binding.role,
                updated_at=int(binding.created_at),
            )
        return data

    def device_detail_json(self, device: Device, binding: Binding | None = None) -> dict[str, Any]:
        """``GET /app/devices/{did}`` as the cloud answers it: the bindings entry without the
        per-user names, type, sandbox flag and versions, with ``proto_ver``; ``role`` and
        ``remark`` only when a user's binding is known."""
        data = self.device_json(device, binding)
        for name in (
            "dev_alias",
            "dev_label",
            "type",
            "is_sandbox",
            "mcu_soft_version",
            "mcu_hard_version",
            "wifi_soft_version",
            "wifi_hard_version",
            "updated_at",
        ):
            data.pop(name, None)
        data["proto_ver"] = device.proto_ver
        return data

    @staticmethod
    def _recorded_fields(device: Device) -> dict[str, Any]:
        """Fields both bindings entries and device details carry in every real recording."""
        return {
            "protoc": device.protoc,
            "gw_did": device.gw_did,
            "sleep_duration": device.sleep_duration,
            "state_last_timestamp": int(device.state_last_timestamp),
            "mesh_id": device.mesh_id,
            "is_low_power": device.is_low_power,
        }

    # -- bindings --------------------------------------------------------------------------

    def binding(self, uid: str, did: str) -> Binding | None:
        return self.bindings.get((uid, did))

    def require_binding(self, uid: str, did: str) -> Binding:
        self.device(did)
        binding = self.bindings.get((uid, did))
        if binding is None:
            raise SimError(ErrorCode.DEVICE_NOT_BOUND)
        return binding

    def bindings_of(self, uid: str) -> list[Binding]:
        return sorted(
            (b for b in self.bindings.values() if b.uid == uid), key=lambda b: b.created_at
        )

    def bindings_to(self, did: str) -> list[Binding]:
        return sorted(
            (b for b in self.bindings.values() if b.did == did), key=lambda b: b.created_at
        )

    def bind(
        self,
        uid: str,
        did: str,
        *,
        role: str | None = None,
        remark: str = "",
        set_owner: bool = False,
    ) -> Binding:
        """Bind a user to a device; without ``role`` the doc's rules (角色场景说明) pick one.

        The first binder is ``special`` and later ones ``normal``. Once the device has been
        shared (``enable_sharing``) it has one ``owner``: the first binder after that becomes
        owner, and while an owner exists nobody else binds but through a share (9092).
        ``set_owner`` makes the binder the owner at once, turning the others into guests.
        """
        device = self.device(did)
        existing = self.bindings.get((uid, did))
        if existing is not None:
            return existing
        if role is None:
            others = self.bindings_to(did)
            if any(b.role == "owner" for b in others):
                raise SimError(ErrorCode.ONLY_OWNER_CAN_BIND)
            if set_owner:
                device.sharing_enabled = True
                for other in others:
                    other.role = "guest"
                role = "owner"
            elif device.sharing_enabled:
                role = "owner" if not others else "normal"
            else:
                role = "normal" if others else "special"
        binding = Binding(uid=uid, did=did, role=role, created_at=self.clock.now(), remark=remark)
        self.bindings[(uid, did)] = binding
        for listener in list(self.binding_listeners):
            listener(uid, did, True)  # noqa: FBT003 - (uid, did, bound)
        return binding

    def enable_sharing(self, did: str) -> None:
        """The device is shared for the first time: from now on it has an owner. The doc: the
        ``special`` user becomes ``owner`` and ``normal`` users become ``guest``, whether or
        not the share is accepted."""
        device = self.device(did)
        device.sharing_enabled = True
        for binding in self.bindings_to(did):
            if binding.role == "special":
                binding.role = "owner"
            elif binding.role == "normal":
                binding.role = "guest"

    def unbind(self, uid: str, did: str) -> bool:
        """Unbind; a ``special`` user's place goes to the first ``normal`` one, and an owner
        takes every guest's binding away too."""
        binding = self._drop_binding(uid, did)
        if binding is None:
            return False
        if binding.role == "special":
            rest = [b for b in self.bindings_to(did) if b.role == "normal"]
            if rest:
                rest[0].role = "special"
        elif binding.role == "owner":
            for guest in [b for b in self.bindings_to(did) if b.role == "guest"]:
                self._drop_binding(guest.uid, did)
        return True

    def _drop_binding(self, uid: str, did: str) -> Binding | None:
        binding = self.bindings.pop((uid, did), None)
        if binding is not None:
            for group in self.groups.values():
                if group.uid == uid and did in group.dids:
                    group.dids.remove(did)
            for listener in list(self.binding_listeners):
                listener(uid, did, False)  # noqa: FBT003 - (uid, did, bound)
        return binding

    def bind_qr_content(self, did: str) -> str:
        """The content of a bind QR code for the device, as ``bind_latest`` takes it."""
        self.device(did)
        code = new_id()
        self.bind_codes[code] = did
        return f"type=bind&code={code}"

    def did_for_qr_content(self, content: str) -> str:
        prefix = "type=bind&code="
        did = self.bind_codes.get(content[len(prefix) :]) if content.startswith(prefix) else None
        if did is None or did not in self.devices:
            raise SimError(ErrorCode.BAD_QRCODE_CONTENT)
        return did

    def add_raw_log(self, did: str, entries: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-load past raw log entries (``type``, ``timestamp``, optional ``payload_bin``,
        ``ip``, ``uid``...) into a device's log; returns how many were added."""
        return raw_log.add_entries(self.device(did).raw_log, entries, now=self.clock.now())

    # -- messages --------------------------------------------------------------------------

    def add_message(self, uid: str, content: str, *, type: int = 1) -> Message:
        now = self.clock.now()
        message = Message(
            id=new_id(24), uid=uid, type=type, content=content, created_at=now, updated_at=now
        )
        self.messages[message.id] = message
        return message

    # -- device data and control -----------------------------------------------------------

    def validate_attrs(self, device: Device, attrs: dict[str, Any]) -> None:
        specs = self.products[device.product_key].attr_specs()
        if not specs:
            return
        check_attrs(specs, attrs)

    def control_device(
        self,
        did: str,
        *,
        attrs: dict[str, Any] | None = None,
        raw: list[int] | None = None,
        uid: str | None = None,
        appid: str | None = None,
        source: str = "client",
    ) -> None:
        """Apply a command: checks online, updates latest attrs, logs app2dev and dev2app."""
        device = self.device(did)
        if not device.is_online:
            raise SimError(ErrorCode.DEVICE_OFFLINE)
        if attrs is not None:
            self.validate_attrs(device, attrs)
        device.control_count += 1
        now = self.clock.now()
        payload = raw if raw is not None else list(json.dumps(attrs, sort_keys=True).encode())
        entry: dict[str, Any] = {
            "type": "app2dev",
            "ip": "127.0.0.1",
            "payload_bin": bytes(payload).hex(),
            "timestamp": round(now, 3),
            "source": source,
        }
        if uid is not None:
            entry["uid"] = uid
        if appid is not None:
            entry["appid"] = appid
        device.raw_log.append(entry)
        if attrs:
            self.report(did, attrs)

    def control_group(
        self,
        group: Group,
        *,
        attrs: dict[str, Any] | None = None,
        raw: list[int] | None = None,
        appid: str | None = None,
        source: str = "client",
    ) -> dict[str, bool]:
        """Control every device of a group; the result says which ones took the command.

        Only single-product groups can be controlled (their datapoints are one definition).
        """
        keys = {self.devices[did].product_key for did in group.dids if did in self.devices}
        if group.product_key is not None:
            keys.add(group.product_key)
        if len(keys) > 1:
            raise SimError(ErrorCode.FORM_INVALID, "only a single-product group can be controlled")
        results: dict[str, bool] = {}
        for did in group.dids:
            try:
                self.control_device(
                    did, attrs=attrs, raw=raw, uid=group.uid, appid=appid, source=source
                )
            except SimError:
                results[did] = False
            else:
                results[did] = True
        return results

    def report(self, did: str, attrs: dict[str, Any]) -> None:
        """The device reports values (dev2app): latest attrs change and listeners hear of it."""
        device = self.device(did)
        before = dict(device.attrs)
        device.attrs.update(attrs)
        now = self.clock.now()
        device.updated_at = now
        payload = json.dumps(attrs, sort_keys=True, default=str).encode()
        device.raw_log.append(
            {
                "type": "dev2app",
                "ip": "127.0.0.1",
                "payload_bin": payload.hex(),
                "timestamp": round(now, 3),
            }
        )
        self._emit(DeviceEvent("data", did, before, dict(device.attrs), now, dict(attrs)))

    def set_online(self, did: str, online: bool) -> None:
        device = self.device(did)
        if device.is_online == online:
            return
        device.is_online = online
        now = self.clock.now()
        device.state_last_timestamp = now
        device.raw_log.append(
            {
                "type": "dev_online" if online else "dev_offline",
                "ip": "127.0.0.1",
                "payload_bin": "",
                "timestamp": round(now, 3),
            }
        )
        attrs_now = dict(device.attrs)
        self._emit(DeviceEvent("online" if online else "offline", did, attrs_now, attrs_now, now))

    def _emit(self, event: DeviceEvent) -> None:
        for listener in list(self.device_listeners):
            listener(event)


def signature(product_secret: str, timestamp: str) -> str:
    """What ``bind_mac`` must send as ``X-Gizwits-Signature``."""
    return hashlib.md5((product_secret + timestamp).encode(), usedforsecurity=False).hexdigest()
