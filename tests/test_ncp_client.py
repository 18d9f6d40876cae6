"""The NCP client against the stand-in, over real sockets on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from notifier.errors import NcpAuthError, NcpError, NcpResponseError
from notifier.ncp_client import NcpClient, default_retry
from notifier.secret import Secret
from notifier.testing import ncp_server
from notifier.testing._server import Reply
from notifier.testing.ncp_server import NcpStandIn, expected_signature

V2 = "/api/v2/certificate/certificates"
V1 = "/api/v1/certificates"


def numbered(count: int) -> list[dict]:
    return [
        {"certificateNo": n, "certificateName": f"cert-{n}", "notAfter": None}
        for n in range(1, count + 1)
    ]


def fast_retry(total: int = 4) -> Retry:
    """The client's own retry policy, with backoff too short to notice."""
    return default_retry().new(total=total, backoff_factor=0.005, backoff_jitter=0)


@pytest.fixture
def client_for(http) -> Callable[..., NcpClient]:
    def make(server: NcpStandIn, **options) -> NcpClient:
        options.setdefault("retry", fast_retry())
        options.setdefault("timeout_seconds", 5.0)
        secret = options.pop("secret_key", server.secret_key)
        return NcpClient(http, server.url, server.access_key, Secret(secret), **options)

    return make


def pages_asked(server: NcpStandIn) -> list[tuple[str, dict]]:
    result = []
    for request in server.requests:
        parts = urlsplit(request.target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        result.append((parts.path, query))
    return result


def assert_each_request_is_signed_for_what_it_sent(server: NcpStandIn) -> None:
    for request in server.requests:
        timestamp = request.header("x-ncp-apigw-timestamp")
        assert request.header("x-ncp-apigw-signature-v2") == expected_signature(
            request.method, request.target, timestamp, server.access_key,
            server.secret_key,
        )  # fmt: skip


class TestPaging:
    def test_pages_are_read_until_total_count_with_a_capped_page_size(self, client_for):
        with NcpStandIn(numbered(25), page_size_cap=10) as ncp:
            items = client_for(ncp).list_certificates()

        assert [item["certificateNo"] for item in items] == list(range(1, 26))
        assert pages_asked(ncp) == [
            (V2, {"page": "1", "pageSize": "100"}),
            (V2, {"page": "2", "pageSize": "100"}),
            (V2, {"page": "3", "pageSize": "100"}),
        ]
        assert_each_request_is_signed_for_what_it_sent(ncp)

    def test_a_list_shorter_than_a_page_takes_one_request(self, client_for):
        with NcpStandIn(numbered(99)) as ncp:
            items = client_for(ncp).list_certificates()

        assert len(items) == 99
        assert len(ncp.requests) == 1

    def test_a_full_last_page_asks_once_more_in_case_the_count_is_low(self, client_for):
        with NcpStandIn(numbered(100)) as ncp:
            items = client_for(ncp).list_certificates()

        assert len(items) == 100
        assert len(ncp.requests) == 2

    @pytest.mark.parametrize("announced", [1, 100])
    def test_a_count_too_low_hides_no_certificate(self, client_for, announced):
        def understated(page: int, payload: dict) -> dict:
            payload["totalCount"] = announced
            return payload

        with NcpStandIn(numbered(150), page_hook=understated) as ncp:
            items = client_for(ncp).list_certificates()

        assert [item["certificateNo"] for item in items] == list(range(1, 151))

    def test_reading_stops_on_an_empty_page_when_no_count_is_given(self, client_for):
        def without_count(page: int, payload: dict) -> dict:
            del payload["totalCount"]
            return payload

        with NcpStandIn(numbered(25), page_size_cap=10, page_hook=without_count) as ncp:
            items = client_for(ncp).list_certificates()

        assert len(items) == 25
        assert [query["page"] for _, query in pages_asked(ncp)] == ["1", "2", "3", "4"]

    def test_an_empty_page_before_the_count_is_reached_is_an_error(self, client_for):
        def empty_second_page(page: int, payload: dict) -> dict:
            if page == 2:
                payload["sslCertificateList"] = []
            return payload

        with (
            NcpStandIn(
                numbered(25), page_size_cap=10, page_hook=empty_second_page
            ) as ncp,
            pytest.raises(NcpResponseError, match="announced 25.*only 10"),
        ):
            client_for(ncp).list_certificates()

        assert len(ncp.requests) == 2

    def test_fewer_certificates_than_total_count_is_an_error_not_a_list(
        self, client_for
    ):
        def overstated(page: int, payload: dict) -> dict:
            payload["totalCount"] = 30
            return payload

        with (
            NcpStandIn(numbered(25), page_size_cap=10, page_hook=overstated) as ncp,
            pytest.raises(NcpResponseError, match="incomplete"),
        ):
            client_for(ncp).list_certificates()

        # Pages 1-3 hold 25, page 4 is the one spare page the count allows.
        assert len(ncp.requests) == 4

    def test_a_certificate_listed_on_two_pages_is_counted_once(self, client_for):
        stored = numbered(25)

        def shifted(page: int, payload: dict) -> dict:
            if page == 2:  # the last of page 1 shows up again, as when
                # a certificate is added while the pages are read
                payload["sslCertificateList"].insert(0, dict(stored[9]))
            return payload

        with NcpStandIn(stored, page_size_cap=10, page_hook=shifted) as ncp:
            items = client_for(ncp).list_certificates()

        numbers = [item["certificateNo"] for item in items]
        assert sorted(numbers) == list(range(1, 26))
        assert len(numbers) == len(set(numbers))

    def test_a_server_ignoring_the_page_number_cannot_loop_forever(self, client_for):
        stored = numbered(25)

        def always_first(page: int, payload: dict) -> dict:
            payload["sslCertificateList"] = [dict(item) for item in stored[:10]]
            return payload

        with (
            NcpStandIn(stored, page_size_cap=10, page_hook=always_first) as ncp,
            pytest.raises(NcpResponseError, match="incomplete"),
        ):
            client_for(ncp).list_certificates()

        assert len(ncp.requests) <= 4

    def test_each_page_is_reported_as_it_arrives(self, client_for):
        seen = []
        with NcpStandIn(numbered(25), page_size_cap=10) as ncp:
            client_for(ncp, on_page=lambda *args: seen.append(args)).list_certificates()

        assert seen == [(1, 10, 25), (2, 20, 25), (3, 25, 25)]


class TestGovernmentAndFinancialZones:
    def test_v1_reads_the_whole_list_with_valid_end_date(self, client_for):
        stored = numbered(3)
        stored[0]["notAfter"] = "2027-01-12 23:59:59(UTC+09:00)"
        with NcpStandIn(stored) as ncp:
            items = client_for(ncp, api_version="v1").list_certificates()

        assert pages_asked(ncp) == [(V1, {})]
        assert len(items) == 3
        assert items[0]["validEndDate"] == "2027-01-12 23:59:59(UTC+09:00)"
        assert "notAfter" not in items[0]
        assert_each_request_is_signed_for_what_it_sent(ncp)

    def test_v1_list_shorter_than_total_rows_is_an_error(self, client_for):
        with NcpStandIn(numbered(3)) as ncp:
            ncp.script(
                Reply(body={"returnCode": "0", "totalRows": 5,
                            "sslCertificateList": numbered(3)})
            )  # fmt: skip
            with pytest.raises(NcpResponseError, match="announced 5"):
                client_for(ncp, api_version="v1").list_certificates()


class TestRefusals:
    def test_a_wrong_secret_key_is_a_401_that_names_the_key_and_the_clock(
        self, client_for
    ):
        with NcpStandIn(numbered(1)) as ncp, pytest.raises(NcpAuthError) as caught:
            client_for(ncp, secret_key="not-the-secret").list_certificates()

        message = str(caught.value)
        assert "HTTP 401" in message and "errorCode 200" in message
        assert "NCP_ACCESS_KEY" in message and "NCP_SECRET_KEY" in message
        assert "clock" in message
        assert "not-the-secret" not in message
        assert len(ncp.requests) == 1  # a refusal is not retried

    def test_a_clock_more_than_five_minutes_off_is_refused(self, client_for):
        with (
            NcpStandIn(numbered(1), clock=lambda: time.time() + 400) as ncp,
            pytest.raises(NcpAuthError, match="clock"),
        ):
            client_for(ncp).list_certificates()

    def test_an_empty_403_says_sub_account_keys_are_refused(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(ncp_server.subaccount_forbidden())
            with pytest.raises(NcpAuthError, match="sub-account") as caught:
                client_for(ncp).list_certificates()

        assert "main account" in str(caught.value)

    def test_a_403_with_a_gateway_error_shows_its_code(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(
                Reply(403, {"error": {"errorCode": 230, "message": "Forbidden"}})
            )
            with pytest.raises(NcpAuthError, match="errorCode 230: Forbidden"):
                client_for(ncp).list_certificates()

    def test_other_gateway_errors_show_error_code_and_message(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(
                Reply(400, {"error": {"errorCode": 100, "message": "Bad Request"}})
            )
            with pytest.raises(NcpError, match="HTTP 400, errorCode 100: Bad Request"):
                client_for(ncp).list_certificates()

        assert len(ncp.requests) == 1


class TestRetries:
    def test_429_waits_for_retry_after_then_succeeds_with_a_fresh_signature(
        self, client_for
    ):
        with NcpStandIn(numbered(3)) as ncp:
            ncp.script(ncp_server.throttled(retry_after="1"))
            items = client_for(ncp).list_certificates()

        assert len(items) == 3
        first, second = ncp.requests
        assert second.time - first.time >= 0.95
        assert first.target == second.target
        stamps = [r.header("x-ncp-apigw-timestamp") for r in (first, second)]
        assert int(stamps[1]) - int(stamps[0]) >= 950
        assert first.header("x-ncp-apigw-signature-v2") != second.header(
            "x-ncp-apigw-signature-v2"
        )
        assert_each_request_is_signed_for_what_it_sent(ncp)

    def test_503_is_retried_until_it_succeeds(self, client_for):
        with NcpStandIn(numbered(3)) as ncp:
            ncp.script(ncp_server.unavailable(), ncp_server.unavailable())
            items = client_for(ncp).list_certificates()

        assert len(items) == 3
        assert len(ncp.requests) == 3
        assert_each_request_is_signed_for_what_it_sent(ncp)

    @pytest.mark.parametrize("status", [502, 503, 504])
    def test_gateway_failures_are_retried(self, client_for, status):
        with NcpStandIn(numbered(2)) as ncp:
            ncp.script(Reply(status, {"error": {"errorCode": "500"}}))
            assert len(client_for(ncp).list_certificates()) == 2

        assert len(ncp.requests) == 2

    def test_a_dropped_connection_is_retried(self, client_for):
        with NcpStandIn(numbered(2)) as ncp:
            ncp.script(Reply(close=True))
            assert len(client_for(ncp).list_certificates()) == 2

        assert len(ncp.requests) == 2

    def test_throttling_that_never_ends_is_an_error_after_the_last_try(
        self, client_for
    ):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(*[ncp_server.throttled(retry_after=None)] * 10)
            with pytest.raises(NcpError, match="throttling.*errorCode 420"):
                client_for(ncp, retry=fast_retry(total=2)).list_certificates()

        assert len(ncp.requests) == 3

    def test_an_unreachable_endpoint_is_an_error_naming_the_url(self, http):
        with socket.socket() as probe:  # a loopback port nobody listens on
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        client = NcpClient(
            http, url, "key", Secret("s3cr3t"), retry=fast_retry(), timeout_seconds=5
        )

        with pytest.raises(NcpError, match="could not be reached|kept failing") as e:
            client.list_certificates()

        assert url in str(e.value)
        assert "s3cr3t" not in str(e.value)


def test_the_default_retry_policy_is_bounded_jittered_and_honours_retry_after():
    retry = default_retry()

    assert set(retry.status_forcelist) == {429, 502, 503, 504}
    assert retry.respect_retry_after_header
    assert retry.backoff_jitter > 0
    # The backoff of every retry together stays well inside the default
    # 60 s deadline, which in turn bounds the whole fetch.
    waits, state = [], retry
    while True:
        try:
            state = state.increment("GET", error=ConnectionError())
        except MaxRetryError:
            break
        waits.append(state.get_backoff_time())
    assert 1 <= len(waits) <= 5
    assert sum(waits) + len(waits) * retry.backoff_jitter < 30


class TestBadAnswers:
    def test_an_html_error_page_is_reported_as_such(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(*[ncp_server.html_error()] * 10)
            with pytest.raises(NcpError) as caught:
                client_for(ncp, retry=fast_retry(total=1)).list_certificates()

        message = str(caught.value)
        assert "HTTP 502" in message
        assert "text/html" in message and "502 Bad Gateway" in message

    def test_a_200_that_is_not_json_is_an_error(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(
                Reply(200, "<html>Log in to the Wi-Fi</html>",
                      {"Content-Type": "text/html"})
            )  # fmt: skip
            with pytest.raises(NcpResponseError, match="not a JSON object"):
                client_for(ncp).list_certificates()

    def test_return_code_2200_is_an_empty_list(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(ncp_server.no_certificate())
            assert client_for(ncp).list_certificates() == []

        assert len(ncp.requests) == 1

    def test_any_other_return_code_is_an_error_with_its_message(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(ncp_server.service_error())
            with pytest.raises(NcpResponseError) as caught:
                client_for(ncp).list_certificates()

        assert "returnCode 1001" in str(caught.value)
        assert "failed to process" in str(caught.value)

    @pytest.mark.parametrize(
        "payload",
        [
            {"returnCode": "0", "totalCount": 1, "sslCertificateList": "none"},
            {"returnCode": "0", "totalCount": 1},
            {"returnCode": "0", "totalCount": 1, "sslCertificateList": ["x"]},
            [],
        ],
    )
    def test_a_malformed_list_is_an_error(self, client_for, payload):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(Reply(body=payload))
            with pytest.raises(NcpResponseError, match="unusable|not a JSON object"):
                client_for(ncp).list_certificates()

    def test_a_zero_count_without_a_list_is_empty(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(Reply(body={"returnCode": "0", "totalCount": 0}))
            assert client_for(ncp).list_certificates() == []

    @pytest.mark.parametrize("count", ["25", 25, None])
    def test_total_count_as_text_or_number_or_missing_is_read(self, client_for, count):
        def with_count(page: int, payload: dict) -> dict:
            payload["totalCount"] = count
            return payload

        with NcpStandIn(numbered(25), page_size_cap=10, page_hook=with_count) as ncp:
            assert len(client_for(ncp).list_certificates()) == 25

    @pytest.mark.parametrize("count", ["²", -1, True, 3.0, "NaN", "9" * 5000])
    def test_a_total_count_that_is_no_whole_number_is_an_error(self, client_for, count):
        def with_count(page: int, payload: dict) -> dict:
            payload["totalCount"] = count
            return payload

        stand_in = NcpStandIn(numbered(25), page_size_cap=10, page_hook=with_count)
        with stand_in as ncp, pytest.raises(NcpResponseError, match="whole number"):
            client_for(ncp).list_certificates()

    def test_no_certificate_beside_certificates_is_an_error_not_all_clear(
        self, client_for
    ):
        def contradict(page: int, payload: dict) -> dict:
            return {**payload, "returnCode": "2200"}

        stand_in = NcpStandIn(numbered(3), page_hook=contradict)
        with stand_in as ncp, pytest.raises(NcpResponseError, match="contradicts"):
            client_for(ncp).list_certificates()

    def test_two_entries_sharing_a_number_are_both_judged(self, client_for):
        twins = numbered(2)
        twins[1]["certificateNo"] = twins[0]["certificateNo"]
        twins[1]["notAfter"] = "2027-01-01 00:00:00(UTC+09:00)"

        with NcpStandIn(twins) as ncp:
            listed = client_for(ncp).list_certificates()

        assert [item["notAfter"] for item in listed] == [
            twins[0]["notAfter"],
            "2027-01-01 00:00:00(UTC+09:00)",
        ]

    @pytest.mark.parametrize(
        ("status", "code", "pattern"),
        [
            (401, "210", "refused it permission"),
            (404, "300", "check NCP_API_URL"),
            (302, "", "check NCP_API_URL"),
        ],
    )
    def test_each_refusal_says_what_to_fix(self, client_for, status, code, pattern):
        body = {"error": {"errorCode": code, "message": "no"}} if code else b""
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(Reply(status=status, body=body))
            with pytest.raises(NcpError, match=pattern):
                client_for(ncp).list_certificates()


class TestDeadline:
    def test_a_server_that_never_answers_is_given_up_on_at_the_deadline(
        self, client_for
    ):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(*[Reply(delay=10)] * 5)
            started = time.monotonic()
            with pytest.raises(NcpError, match="timed out|did not answer|1 s"):
                client_for(ncp, timeout_seconds=1.0).list_certificates()
            elapsed = time.monotonic() - started

        assert elapsed < 2.0

    def test_a_body_sent_one_byte_at_a_time_is_cut_off_at_the_deadline(
        self, client_for
    ):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(
                *[Reply(body={"returnCode": "0", "pad": "x" * 200}, drip=0.05)] * 5
            )
            started = time.monotonic()
            with pytest.raises(NcpError):
                client_for(ncp, timeout_seconds=1.0).list_certificates()
            elapsed = time.monotonic() - started

        assert elapsed < 2.0

    def test_a_body_that_stalls_late_in_the_deadline_is_cut_off_at_it(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            # Headers after 0.6 s, one byte, then silence: a read timeout set
            # when the attempt began would wait a full second more.
            ncp.script(*[Reply(body={"returnCode": "0"}, delay=0.6, drip=5)] * 5)
            started = time.monotonic()
            with pytest.raises(NcpError):
                client_for(ncp, timeout_seconds=1.0).list_certificates()
            elapsed = time.monotonic() - started

        assert elapsed < 1.45

    def test_a_retry_after_beyond_the_deadline_fails_at_once(self, client_for):
        with NcpStandIn(numbered(1)) as ncp:
            ncp.script(ncp_server.throttled(retry_after="30"))
            started = time.monotonic()
            with pytest.raises(NcpError, match="asked to wait 30 s"):
                client_for(ncp, timeout_seconds=2.0).list_certificates()

        assert time.monotonic() - started < 1.0
        assert len(ncp.requests) == 1

    def test_retries_across_pages_share_one_deadline(self, client_for):
        with NcpStandIn(numbered(25), page_size_cap=10) as ncp:
            # Page 1 answers at once; page 2 stalls past what is left.
            ncp.script(Reply(body={"returnCode": "0", "totalCount": 25,
                                   "sslCertificateList": numbered(10)}),
                       *[Reply(delay=10)] * 5)  # fmt: skip
            started = time.monotonic()
            with pytest.raises(NcpError):
                client_for(ncp, timeout_seconds=1.0).list_certificates()

        assert time.monotonic() - started < 2.0
