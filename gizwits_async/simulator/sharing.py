"""The device-sharing life cycle of the simulated cloud, following the doc's 设备分享 flows.

An owner invites a user (normal share, 24 h to answer) or shows a QR code (15 min). Sharing a
device turns its first binder (``special``) into its ``owner`` and other binders into
guests; accepting makes the receiver a ``guest`` who then finds the device in
``GET /app/bindings``. Owner and guest get a message in the message center when a share is
created, accepted or taken back, as the doc lists them.
"""

from __future__ import annotations

import time

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import Share, SimState, User, new_id

NORMAL, QR = 0, 1
PENDING, ACCEPTED, REJECTED, CANCELLED = 0, 1, 2, 3
NORMAL_SHARE_LIFETIME = 24 * 3600
QR_SHARE_LIFETIME = 15 * 60
MAX_DURATION_MINUTES = 1440
FIRST_SHARE_ID = 10401


# -- how the cloud shows users and times --------------------------------------------------


def mask_name(text: str) -> str:
    """``Gizwits`` → ``G****s``: the middle replaced by four stars, as the doc shows."""
    if len(text) <= 2:
        return text[:1] + "****"
    return f"{text[0]}****{text[-1]}"


def mask_phone(text: str) -> str:
    """``13812345678`` → ``138****5678``: the middle four digits hidden."""
    if len(text) <= 4:
        return "****"
    start = (len(text) - 4) // 2
    return f"{text[:start]}****{text[start + 4 :]}"


def mask_email(text: str) -> str:
    """``Gizwits@gizwits.com`` → ``G****s@gizwits.com``: the part before the @ masked."""
    local, at, domain = text.partition("@")
    return f"{mask_name(local)}{at}{domain}"


def display_name(user: User) -> str:
    """How the cloud names a user to others: phone, email, user name or uid, masked."""
    if user.phone:
        return mask_phone(user.phone)
    if user.email:
        return mask_email(user.email)
    if user.username:
        return mask_name(user.username)
    return user.uid


def iso_time(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


# -- creating shares ----------------------------------------------------------------------


def find_receiver(
    state: SimState,
    *,
    uid: str | None = None,
    username: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> User:
    """The user a normal share names; 9015 when none is named, 9082 when nobody matches."""
    if uid is not None:
        found = state.users.get(uid)
        if found is not None:
            return found
        raise SimError(ErrorCode.NOT_FOUND_GUEST)
    for field, value in (("username", username), ("email", email), ("phone", phone)):
        if value is None:
            continue
        for user in state.users.values():
            if getattr(user, field) == value:
                return user
        raise SimError(ErrorCode.NOT_FOUND_GUEST)
    raise SimError(ErrorCode.FORM_INVALID, "uid, username, email or phone is required")


def _enable_sharing(state: SimState, did: str) -> None:
    """Sharing gives the device an owner: its special user, whose normal users become guests."""
    device = state.device(did)
    if device.sharing_enabled:
        return
    device.sharing_enabled = True
    for binding in state.bindings_to(did):
        if binding.role == "special":
            binding.role = "owner"
        elif binding.role == "normal":
            binding.role = "guest"


def _require_owner(state: SimState, user: User, did: str) -> None:
    binding = state.require_binding(user.uid, did)
    if binding.role not in ("owner", "special"):
        raise SimError(ErrorCode.ONLY_OWNER_CAN_SHARE)


def create_share(
    state: SimState,
    owner: User,
    did: str,
    *,
    type: int,
    receiver: User | None = None,
    duration: int | None = None,
) -> Share:
    """Create a normal share to ``receiver`` or a QR share; only the owner may (9081)."""
    _require_owner(state, owner, did)
    now = state.clock.now()
    if type == NORMAL:
        if receiver is None:
            raise SimError(ErrorCode.FORM_INVALID, "a normal share needs a receiver")
        if receiver.uid == owner.uid:
            raise SimError(ErrorCode.CANNOT_SHARE_TO_SELF)
        if state.binding(receiver.uid, did) is not None:
            raise SimError(ErrorCode.GUEST_ALREADY_BOUND)
        for share in state.shares.values():
            if (
                share.did == did
                and share.guest_uid == receiver.uid
                and share.status == PENDING
                and share.expired_at > now
            ):
                raise SimError(ErrorCode.SHARING_IS_WAITING_FOR_ACCEPT)
    _enable_sharing(state, did)
    share = Share(
        id=max(state.shares, default=FIRST_SHARE_ID - 1) + 1,
        type=type,
        did=did,
        owner_uid=owner.uid,
        guest_uid=receiver.uid if type == NORMAL and receiver is not None else None,
        created_at=now,
        updated_at=now,
        expired_at=now + (NORMAL_SHARE_LIFETIME if type == NORMAL else QR_SHARE_LIFETIME),
        duration=duration,
        code=new_id() if type == QR else None,
    )
    state.shares[share.id] = share
    # A QR share has nobody to tell until it is scanned; the doc's QR flow sends its one
    # message to both sides on acceptance.
    if share.guest_uid is not None:
        _notify(state, share, "sharing invitation")
    return share


# -- answering shares ---------------------------------------------------------------------


def _device_name(state: SimState, share: Share) -> str:
    binding = state.binding(share.owner_uid, share.did)
    if binding is not None and binding.dev_alias:
        return binding.dev_alias
    return state.products[state.device(share.did).product_key].name


def _notify(state: SimState, share: Share, event: str, *, owner_only: bool = False) -> None:
    owner = state.users[share.owner_uid]
    guest = state.users.get(share.guest_uid or "")
    guest_name = display_name(guest) if guest is not None else "QR code"
    text = (
        f"{event}: device {_device_name(state, share)} ({share.did}), "
        f"owner {display_name(owner)}, guest {guest_name}"
    )
    state.add_message(owner.uid, text, type=1)
    if guest is not None and not owner_only:
        state.add_message(guest.uid, text, type=1)


def _check_answerable(state: SimState, share: Share) -> None:
    if share.status == CANCELLED:
        raise SimError(ErrorCode.SHARING_ALREADY_CANCELLED)
    if share.status != PENDING:
        raise SimError(ErrorCode.SHARING_IS_COMPLETED)
    if state.clock.now() >= share.expired_at:
        raise SimError(ErrorCode.SHARING_IS_EXPIRED)


def _make_guest(state: SimState, share: Share, guest: User) -> None:
    if state.binding(guest.uid, share.did) is not None:
        raise SimError(ErrorCode.GUEST_ALREADY_BOUND)
    owner_binding = state.binding(share.owner_uid, share.did)
    if owner_binding is None or owner_binding.role != "owner":
        raise SimError(ErrorCode.INVALID_SHARING_BECAUSE_UNBINDING)
    state.bind(guest.uid, share.did, role="guest")
    share.guest_uid = guest.uid
    share.status = ACCEPTED
    share.updated_at = state.clock.now()
    _notify(state, share, "sharing accepted")
    if share.duration is not None:
        state.clock.call_at(share.updated_at + share.duration * 60, lambda: _end(state, share))


def _end(state: SimState, share: Share) -> None:
    """The guest's time with the device (``duration``) is over."""
    if share.status != ACCEPTED or share.guest_uid is None:
        return
    _remove_guest(state, share)
    share.status = CANCELLED
    share.updated_at = state.clock.now()


def _remove_guest(state: SimState, share: Share) -> None:
    binding = state.binding(share.guest_uid or "", share.did)
    # After a transfer the share's guest may own the device; that binding is not the share's.
    if binding is not None and binding.role == "guest":
        state.unbind(binding.uid, share.did)


def answer_share(state: SimState, user: User, share_id: int, *, accept: bool) -> Share:
    """``PUT /app/sharing/{id}?status=1|2`` by the invited user."""
    share = state.shares.get(share_id)
    if share is None or share.type != NORMAL or share.guest_uid != user.uid:
        raise SimError(ErrorCode.NOT_FOUND_SHARING_INFO)
    _check_answerable(state, share)
    if accept:
        _make_guest(state, share, user)
    else:
        share.status = REJECTED
        share.updated_at = state.clock.now()
    return share


def share_by_code(state: SimState, user: User, code: str) -> Share:
    """The pending QR share of ``code``, for anyone but its owner (9096)."""
    for share in state.shares.values():
        if share.type == QR and share.code == code:
            break
    else:
        raise SimError(ErrorCode.NOT_FOUND_SHARING_INFO)
    binding = state.binding(user.uid, share.did)
    if user.uid == share.owner_uid or (binding is not None and binding.role == "owner"):
        raise SimError(ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE)
    _check_answerable(state, share)
    return share


def accept_code(state: SimState, user: User, code: str) -> Share:
    """``POST /app/sharing/code/{code}``: the scanner becomes a guest; the code is used up."""
    share = share_by_code(state, user, code)
    _make_guest(state, share, user)
    return share


# -- the owner's side ---------------------------------------------------------------------


def cancel_share(state: SimState, user: User, share_id: int) -> Share:
    """``DELETE /app/sharing/{id}``: withdraw a pending share or take back an accepted one."""
    share = state.shares.get(share_id)
    if share is None:
        raise SimError(ErrorCode.NOT_FOUND_SHARING_INFO)
    if share.owner_uid != user.uid:
        raise SimError(ErrorCode.ONLY_OWNER_CAN_OPERATE)
    if share.status == CANCELLED:
        raise SimError(ErrorCode.SHARING_ALREADY_CANCELLED)
    if share.status == REJECTED:
        raise SimError(ErrorCode.SHARING_IS_COMPLETED)
    if share.status == ACCEPTED and share.type == QR:
        # The doc: 二维码分享的设备无法收回. The owner removes such a guest from the device.
        raise SimError(ErrorCode.FORM_INVALID, "a device shared by QR code cannot be taken back")
    accepted = share.status == ACCEPTED
    share.status = CANCELLED
    share.updated_at = state.clock.now()
    if accepted:
        _remove_guest(state, share)
    # Before acceptance only the owner is told; afterwards both sides are.
    _notify(state, share, "sharing cancelled", owner_only=not accepted)
    return share


def set_alias(state: SimState, user: User, share_id: int, alias: str) -> Share:
    """Each side of a share keeps its own note about the other user."""
    share = state.shares.get(share_id)
    if share is None:
        raise SimError(ErrorCode.NOT_FOUND_SHARING_INFO)
    if user.uid not in (share.owner_uid, share.guest_uid):
        raise SimError(ErrorCode.ONLY_SELF_CAN_MODIFY_ALIAS)
    share.aliases[user.uid] = alias
    share.updated_at = state.clock.now()
    return share


def transfer_owner(state: SimState, user: User, did: str, uid: str) -> None:
    """The guest ``uid`` becomes the owner; the old owner is unbound from the device."""
    binding = state.require_binding(user.uid, did)
    if binding.role != "owner":
        raise SimError(ErrorCode.ONLY_OWNER_CAN_OPERATE)
    guest = state.binding(uid, did)
    if guest is None or guest.role != "guest":
        raise SimError(ErrorCode.NOT_FOUND_GUEST)
    guest.role = "owner"
    state.unbind(user.uid, did)
    now = state.clock.now()
    for share in state.shares.values():
        if share.did == did and share.owner_uid == user.uid and share.status == PENDING:
            share.status = CANCELLED
            share.updated_at = now


# -- listings -----------------------------------------------------------------------------


def shares_of(
    state: SimState, user: User, sharing_type: int, *, status: int | None, did: str | None
) -> list[Share]:
    """``sharing_type`` 0: the shares the user sent; 1: the ones sent to the user."""
    if did is not None:
        binding = state.binding(user.uid, did)
        if binding is None or binding.role != "owner":
            raise SimError(ErrorCode.ONLY_OWNER_CAN_OPERATE)
    found = []
    for share in sorted(state.shares.values(), key=lambda s: s.id):
        side = share.owner_uid if sharing_type == 0 else share.guest_uid
        if side != user.uid:
            continue
        if status is not None and share.status != status:
            continue
        if did is not None and share.did != did:
            continue
        found.append(share)
    return found


def share_json(state: SimState, share: Share, viewer: User) -> dict[str, object]:
    """A listing entry; the user fields describe the other side, masked."""
    other_uid = share.guest_uid if viewer.uid == share.owner_uid else share.owner_uid
    other = state.users.get(other_uid or "")
    owner_binding = state.binding(share.owner_uid, share.did)
    return {
        "id": share.id,
        "type": share.type,
        "status": share.status,
        "uid": other.uid if other else None,
        "username": mask_name(other.username) if other and other.username else None,
        "email": mask_email(other.email) if other and other.email else None,
        "phone": mask_phone(other.phone) if other and other.phone else None,
        "user_alias": share.aliases.get(viewer.uid, ""),
        "did": share.did,
        "product_name": state.products[state.device(share.did).product_key].name,
        "dev_alias": owner_binding.dev_alias if owner_binding else "",
        "created_at": iso_time(share.created_at),
        "updated_at": iso_time(share.updated_at),
        "expired_at": iso_time(share.expired_at),
    }


def qr_info_json(state: SimState, share: Share) -> dict[str, object]:
    owner_binding = state.binding(share.owner_uid, share.did)
    return {
        "owner": display_name(state.users[share.owner_uid]),
        "product_name": state.products[state.device(share.did).product_key].name,
        "dev_alias": owner_binding.dev_alias if owner_binding else "",
        "expired_at": iso_time(share.expired_at),
    }
