"""Narrow transport cases on mocked responses: odd bodies and error shapes."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import pytest
from aioresponses import aioresponses

from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsConnectionError,
    GizwitsDeviceOfflineError,
    GizwitsError,
    GizwitsNotFoundError,
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
    _transport,
)
from tests.conftest import SleepRecorder

BASE = "http://gizwits.test"


@pytest.fixture
async def mocked_client() -> AsyncIterator[GizwitsClient]:
    async with GizwitsClient("app", base_url=BASE, max_retries=0) as client:
        yield client


async def test_string_error_code_and_detail_key_are_read(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(
            f"{BASE}/status",
            status=400,
            body='{"error_code": "9015", "error_message": "form invalid!", "detail": "x"}',
            content_type="text/html",
        )
        with pytest.raises(GizwitsAPIError) as caught:
            await mocked_client.system.status()
    assert caught.value.error_code == ErrorCode.FORM_INVALID
    assert caught.value.detail == "x"
    assert caught.value.error_message == "form invalid!"


async def test_detail_message_is_read(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(
            f"{BASE}/status",
            status=400,
            payload={"error_code": 9042, "error_message": "device offline!", "detail_message": "d"},
        )
        with pytest.raises(GizwitsDeviceOfflineError) as caught:
            await mocked_client.system.status()
    assert caught.value.detail == "d"


async def test_json_labelled_text_html_is_decoded(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(
            f"{BASE}/status",
            body='{"status": {"version": "9.9"}}',
            content_type="text/html",
        )
        assert (await mocked_client.system.status()).version == "9.9"


async def test_html_page_on_200_is_a_response_error(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/status", body="<html>oops</html>", content_type="text/html")
        with pytest.raises(GizwitsResponseError) as caught:
            await mocked_client.system.status()
    assert caught.value.status == 200
    assert "<html>" in str(caught.value)


async def test_html_error_page_maps_by_status(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/status", status=404, body="<html>nope</html>")
        with pytest.raises(GizwitsNotFoundError) as caught:
            await mocked_client.system.status()
    assert caught.value.error_code is None
    assert caught.value.error_message == "<html>nope</html>"


async def test_error_code_on_a_200_body_is_still_an_error(
    mocked_client: GizwitsClient,
) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/errors", payload={"error_code": 9014, "error_message": "x"})
        with pytest.raises(GizwitsNotFoundError):
            await mocked_client.system.errors()


async def test_list_endpoint_answering_an_object_is_a_response_error(
    mocked_client: GizwitsClient,
) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/errors", payload={"unexpected": True})
        with pytest.raises(GizwitsResponseError):
            await mocked_client.system.errors()


async def test_empty_body_where_json_is_expected_is_a_response_error(
    mocked_client: GizwitsClient,
) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/status", body="")
        with pytest.raises(GizwitsResponseError):
            await mocked_client.system.status()


async def test_truncated_json_is_a_response_error(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/status", body='{"status": {"vers')
        with pytest.raises(GizwitsResponseError):
            await mocked_client.system.status()


async def test_9008_on_a_get_is_retried(sleeps: SleepRecorder) -> None:
    async with GizwitsClient("app", base_url=BASE, max_retries=1) as client:
        with aioresponses() as mocked:
            mocked.get(f"{BASE}/status", status=500, payload={"error_code": 9008})
            mocked.get(f"{BASE}/status", payload={"status": {"version": "1"}})
            assert (await client.system.status()).version == "1"
    assert len(sleeps.calls) == 1


async def test_server_error_class_for_5xx_without_code(mocked_client: GizwitsClient) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/status", status=503, body="")
        with pytest.raises(GizwitsServerError) as caught:
            await mocked_client.system.status()
    assert caught.value.status == 503


@pytest.mark.parametrize(
    ("error", "applied"),
    [
        (GizwitsTimeoutError("GET /x: no connection within 1.0s", request_sent=False), False),
        (GizwitsTimeoutError("GET /x: no response within 1.0s", request_sent=True), True),
        (GizwitsConnectionError("GET /x: cannot connect", request_sent=False), False),
        (GizwitsConnectionError("GET /x: ServerDisconnectedError"), True),
        (GizwitsRateLimitError(429, None, "throttled", None), False),
        (GizwitsServerError(502, None, "bad gateway", None), True),
    ],
)
def test_only_an_attempt_that_may_have_reached_the_cloud_counts_as_maybe_applied(
    error: GizwitsError, applied: bool
) -> None:
    assert _transport._may_have_applied(error) is applied


def test_an_api_errors_copy_keeps_the_request_and_the_resend_flag() -> None:
    error = GizwitsNotFoundError(404, 9220, "scene not found!", method="DELETE", path="/app/x")
    error.resent_after_lost_answer = True
    clone = copy.copy(error)
    assert (clone.method, clone.path, clone.error_code) == ("DELETE", "/app/x", 9220)
    assert clone.resent_after_lost_answer is True
    assert str(clone) == str(error)
    assert GizwitsNotFoundError(404, 9220).resent_after_lost_answer is False
