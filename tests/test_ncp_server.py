"""Tests of the loopback NCP stand-in, its server base and the sample data."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from notifier.testing import ncp_server
from notifier.testing._server import LoopbackServer, Reply
from notifier.testing.ncp_server import (
    SIGNATURE_VECTORS,
    NcpStandIn,
    expected_signature,
)
from notifier.testing.samples import demo_certificates, many_certificates

TIMEOUT = 2.0
# The stand-in's clock is frozen here so timestamps are deterministic.
CLOCK = 1_800_000_000.0
NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
V2 = "/api/v2/certificate/certificates"
V1 = "/api/v1/certificates"


def signed_headers(
    method: str,
    target: str,
    *,
    access_key: str = "demo-access-key",
    secret_key: str = "demo-secret-key",
    at: float = CLOCK,
) -> dict[str, str]:
    timestamp = str(int(at * 1000))

    return {
        "x-ncp-apigw-timestamp": timestamp,
        "x-ncp-iam-access-key": access_key,
        "x-ncp-apigw-signature-v2": expected_signature(
            method, target, timestamp, access_key, secret_key
        ),
        "Accept": "application/json",
    }


def get(server: LoopbackServer, target: str, **signing: object) -> requests.Response:
    """Send one signed GET and return the (fully read) response."""
    with requests.Session() as session:
        return session.get(
            server.url + target,
            headers=signed_headers("GET", target, **signing),
            timeout=TIMEOUT,
        )


def numbered(count: int) -> list[dict]:
    return [
        {"certificateNo": n, "certificateName": f"c{n}"} for n in range(1, count + 1)
    ]


@pytest.fixture
def ncp() -> Iterator[NcpStandIn]:
    with NcpStandIn(numbered(25), clock=lambda: CLOCK) as server:
        yield server


class TestSignature:
    @pytest.mark.parametrize(("target", "signature"), SIGNATURE_VECTORS)
    def test_expected_signature_matches_documented_vectors(
        self, target: str, signature: str
    ) -> None:
        assert (
            expected_signature(
                "GET", target, "1234567890123", "TestAccessKey", "TestSecretKey"
            )
            == signature
        )

    def test_signed_request_is_served(self, ncp: NcpStandIn) -> None:
        response = get(ncp, V2)

        assert response.status_code == 200
        assert response.json()["returnCode"] == "0"

    @pytest.mark.parametrize("skew", [-301.0, 301.0])
    def test_timestamp_beyond_five_minutes_is_rejected(
        self, ncp: NcpStandIn, skew: float
    ) -> None:
        response = get(ncp, V2, at=CLOCK + skew)

        assert response.status_code == 401
        assert response.json() == {
            "error": {
                "errorCode": "200",
                "message": "Authentication Failed",
                "details": "Invalid timestamp",
            }
        }

    @pytest.mark.parametrize("skew", [-299.0, 299.0])
    def test_timestamp_within_five_minutes_is_accepted(
        self, ncp: NcpStandIn, skew: float
    ) -> None:
        assert get(ncp, V2, at=CLOCK + skew).status_code == 200

    def test_wrong_secret_is_rejected(self, ncp: NcpStandIn) -> None:
        response = get(ncp, V2, secret_key="not-the-secret")

        assert response.status_code == 401
        assert response.json()["error"]["details"] == "Invalid signature"

    def test_unknown_access_key_is_rejected(self, ncp: NcpStandIn) -> None:
        response = get(ncp, V2, access_key="someone-else")

        assert response.status_code == 401
        assert response.json()["error"]["details"] == "Unknown access key"

    def test_signature_must_cover_the_query_string(self, ncp: NcpStandIn) -> None:
        with requests.Session() as session:
            response = session.get(
                ncp.url + V2 + "?page=2",
                headers=signed_headers("GET", V2),
                timeout=TIMEOUT,
            )

        assert response.status_code == 401
        assert response.json()["error"]["details"] == "Invalid signature"

    @pytest.mark.parametrize(
        "missing",
        [
            "x-ncp-apigw-timestamp",
            "x-ncp-iam-access-key",
            "x-ncp-apigw-signature-v2",
        ],
    )
    def test_missing_header_is_rejected(self, ncp: NcpStandIn, missing: str) -> None:
        headers = signed_headers("GET", V2)
        del headers[missing]
        with requests.Session() as session:
            response = session.get(ncp.url + V2, headers=headers, timeout=TIMEOUT)

        assert response.status_code == 401
        assert response.json()["error"]["details"] == f"Missing header: {missing}"

    def test_malformed_timestamp_is_rejected(self, ncp: NcpStandIn) -> None:
        headers = signed_headers("GET", V2)
        headers["x-ncp-apigw-timestamp"] = str(int(CLOCK))  # seconds, not ms

        with requests.Session() as session:
            response = session.get(ncp.url + V2, headers=headers, timeout=TIMEOUT)

        assert response.status_code == 401
        assert response.json()["error"]["details"] == "Invalid timestamp"


class TestV2Listing:
    def test_pages_start_at_one_with_default_size(self, ncp: NcpStandIn) -> None:
        pages = [get(ncp, f"{V2}?page={n}").json() for n in (1, 2, 3)]

        assert [len(p["sslCertificateList"]) for p in pages] == [20, 5, 0]
        assert [p["totalCount"] for p in pages] == [25, 25, 25]
        assert pages[1]["sslCertificateList"][0]["certificateNo"] == 21

    def test_page_defaults_to_the_first(self, ncp: NcpStandIn) -> None:
        body = get(ncp, f"{V2}?pageSize=3").json()

        assert [c["certificateNo"] for c in body["sslCertificateList"]] == [1, 2, 3]
        assert body["returnMessage"] == "Success"

    def test_page_size_is_capped(self) -> None:
        with NcpStandIn(numbered(12), page_size_cap=5, clock=lambda: CLOCK) as ncp:
            body = get(ncp, f"{V2}?page=2&pageSize=100").json()

        assert [c["certificateNo"] for c in body["sslCertificateList"]] == [
            6,
            7,
            8,
            9,
            10,
        ]

    @pytest.mark.parametrize("query", ["page=abc", "pageSize=1.5", "page=0"])
    def test_bad_paging_parameter_is_a_bad_request(
        self, ncp: NcpStandIn, query: str
    ) -> None:
        response = get(ncp, f"{V2}?{query}")

        assert response.status_code == 400
        assert response.json()["error"]["errorCode"] == "100"
        assert response.json()["error"]["message"] == "Bad Request"

    def test_certificate_name_filters_exactly(self, ncp: NcpStandIn) -> None:
        body = get(ncp, f"{V2}?certificateName=c2").json()

        assert body["totalCount"] == 1
        assert body["sslCertificateList"] == [
            {"certificateNo": 2, "certificateName": "c2"}
        ]

    def test_certificates_are_served_live(self, ncp: NcpStandIn) -> None:
        ncp.certificates.clear()
        ncp.certificates.append({"certificateNo": 99})

        body = get(ncp, V2).json()

        assert body["totalCount"] == 1
        assert body["sslCertificateList"] == [{"certificateNo": 99}]

    def test_page_hook_rewrites_each_page(self) -> None:
        def hook(page: int, payload: dict) -> dict:
            payload["totalCount"] += page
            payload["sslCertificateList"][0]["certificateName"] = "changed"
            return payload

        stored = numbered(3)
        with NcpStandIn(stored, page_hook=hook, clock=lambda: CLOCK) as ncp:
            body = get(ncp, f"{V2}?page=1").json()

        assert body["totalCount"] == 4
        assert body["sslCertificateList"][0]["certificateName"] == "changed"
        assert stored[0]["certificateName"] == "c1"


class TestV1AndRouting:
    def test_v1_renames_validity_and_ignores_paging(self) -> None:
        cert = {"certificateNo": 1, "notBefore": "a", "notAfter": "b", "x": 1}
        with NcpStandIn([cert] * 30, clock=lambda: CLOCK) as ncp:
            body = get(ncp, f"{V1}?page=2&pageSize=5").json()

        assert body["returnCode"] == "0"
        assert body["totalRows"] == 30
        assert "totalCount" not in body
        assert len(body["sslCertificateList"]) == 30
        assert body["sslCertificateList"][0] == {
            "certificateNo": 1,
            "validStartDate": "a",
            "validEndDate": "b",
            "x": 1,
        }

    def test_unknown_path_is_not_found(self, ncp: NcpStandIn) -> None:
        response = get(ncp, "/api/v2/nothing")

        assert response.status_code == 404
        assert response.json()["error"]["errorCode"] == "300"

    def test_non_get_is_not_allowed(self, ncp: NcpStandIn) -> None:
        with requests.Session() as session:
            response = session.post(
                ncp.url + V2, headers=signed_headers("POST", V2), timeout=TIMEOUT
            )

        assert response.status_code == 405

    def test_server_listens_on_loopback_only(self, ncp: NcpStandIn) -> None:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", ncp.url)


class TestFaults:
    @pytest.mark.parametrize(
        ("make", "status", "error_code"),
        [
            (ncp_server.unauthorized, 401, "200"),
            (ncp_server.throttled, 429, "420"),
            (ncp_server.unavailable, 503, "500"),
        ],
    )
    def test_gateway_error_helpers(
        self,
        ncp: NcpStandIn,
        make: Callable[[], Reply],
        status: int,
        error_code: str,
    ) -> None:
        ncp.script(make())

        response = get(ncp, V2)

        assert response.status_code == status
        assert response.json()["error"]["errorCode"] == error_code

    def test_throttled_sends_retry_after_only_when_given(self, ncp: NcpStandIn) -> None:
        ncp.script(ncp_server.throttled("7"), ncp_server.throttled(None))

        first, second = get(ncp, V2), get(ncp, V2)

        assert first.headers["Retry-After"] == "7"
        assert "Retry-After" not in second.headers

    def test_subaccount_forbidden_has_an_empty_body(self, ncp: NcpStandIn) -> None:
        ncp.script(ncp_server.subaccount_forbidden())

        response = get(ncp, V2)

        assert response.status_code == 403
        assert response.content == b""

    def test_html_error_looks_like_a_proxy_page(self, ncp: NcpStandIn) -> None:
        ncp.script(ncp_server.html_error())

        response = get(ncp, V2)

        assert response.status_code == 502
        assert response.headers["Content-Type"].startswith("text/html")
        assert response.text.startswith("<html>")

    def test_no_certificate_is_return_code_2200(self, ncp: NcpStandIn) -> None:
        ncp.script(ncp_server.no_certificate())

        body = get(ncp, V2).json()

        assert body["returnCode"] == "2200"
        assert body["sslCertificateList"] == []

    def test_service_error_is_a_200_with_a_failure_code(self, ncp: NcpStandIn) -> None:
        ncp.script(ncp_server.service_error())

        response = get(ncp, V2)

        assert response.status_code == 200
        assert response.json()["returnCode"] == "1001"
        assert response.json()["returnMessage"]


class TestScriptAndRecording:
    def test_scripted_replies_come_first_then_normal_behaviour_resumes(
        self, ncp: NcpStandIn
    ) -> None:
        ncp.script(Reply(status=503), Reply(status=418, body="teapot"))

        with requests.Session() as session:
            # Unsigned: scripted replies skip authentication.
            statuses = [
                session.get(ncp.url + V2, timeout=TIMEOUT).status_code for _ in range(3)
            ]

        assert statuses == [503, 418, 401]

    def test_requests_are_recorded_as_received(self, ncp: NcpStandIn) -> None:
        target = f"{V2}?page=1&pageSize=5"

        get(ncp, target)

        (recorded,) = ncp.requests
        assert recorded.method == "GET"
        assert recorded.target == target
        assert recorded.header("X-NCP-IAM-ACCESS-KEY") == "demo-access-key"
        assert recorded.body == b""

    def test_request_body_is_recorded(self, ncp: NcpStandIn) -> None:
        with requests.Session() as session:
            session.put(ncp.url + "/x", data=b"payload", timeout=TIMEOUT)

        assert ncp.requests[0].body == b"payload"

    def test_close_reply_drops_the_connection(self, ncp: NcpStandIn) -> None:
        ncp.script(Reply(close=True))

        with pytest.raises(requests.ConnectionError):
            get(ncp, V2)

        assert get(ncp, V2).status_code == 200

    def test_delay_stalls_before_the_answer(self, ncp: NcpStandIn) -> None:
        ncp.script(Reply(delay=0.3))

        started = time.monotonic()
        response = get(ncp, V2)

        assert response.status_code == 200
        assert time.monotonic() - started >= 0.3

    def test_delay_longer_than_the_client_timeout_times_out(
        self, ncp: NcpStandIn
    ) -> None:
        ncp.script(Reply(delay=5))

        with requests.Session() as session, pytest.raises(requests.ReadTimeout):
            session.get(ncp.url + V2, timeout=0.2)

    def test_drip_sends_headers_first_then_bytes_slowly(self, ncp: NcpStandIn) -> None:
        ncp.script(Reply(body="abcdef", drip=0.06))

        started = time.monotonic()
        with (
            requests.Session() as session,
            session.get(ncp.url + V2, stream=True, timeout=TIMEOUT) as response,
        ):
            headers_after = time.monotonic() - started
            body = response.content
        body_after = time.monotonic() - started

        assert body == b"abcdef"
        assert headers_after < 0.25
        assert body_after >= 0.3

    @pytest.mark.parametrize("stall", [Reply(delay=30), Reply(body="x" * 100, drip=1)])
    def test_stop_returns_promptly_during_a_stall(self, stall: Reply) -> None:
        errors: list[BaseException] = []
        with NcpStandIn() as server:
            server.script(stall)

            def call() -> None:
                try:
                    with requests.Session() as session:
                        session.get(server.url + V2, timeout=5).close()
                except requests.RequestException as exc:
                    errors.append(exc)

            client = threading.Thread(target=call)
            client.start()
            deadline = time.monotonic() + TIMEOUT
            while not server.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.1)  # let the handler settle into its stall

            started = time.monotonic()
            server.stop()
            stopped_in = time.monotonic() - started
        client.join(timeout=5)

        assert stopped_in < 2
        assert not client.is_alive()
        assert errors  # the client saw the connection go, not an answer

    def test_stop_is_idempotent_and_url_needs_a_started_server(self) -> None:
        server = NcpStandIn()
        with pytest.raises(RuntimeError):
            _ = server.url

        server.start()
        server.stop()
        server.stop()

        with pytest.raises(RuntimeError):
            server.start()


def days_left(cert: dict) -> int:
    """Whole days from NOW to notAfter, truncated toward zero."""
    moment = datetime.strptime(cert["notAfter"][:19], "%Y-%m-%d %H:%M:%S")
    offset = timedelta(hours=int(cert["notAfter"][23:26]))
    not_after = moment.replace(tzinfo=UTC) - offset

    return int((not_after - NOW).total_seconds() / 86400)


def dated(certs: list[dict]) -> list[dict]:
    """The certificates whose notAfter is a real date."""
    return [c for c in certs if c.get("notAfter", "")[:1].isdigit()]


class TestSamples:
    def test_demo_certificates_have_the_claimed_days_left(self) -> None:
        certs = demo_certificates(NOW)

        days = sorted(days_left(c) for c in dated(certs))

        assert len(certs) == 14
        # 90 is the revoked certificate, which is not due anyway.
        assert days == [-40, -2, 0, 1, 3, 7, 14, 20, 30, 45, 90, 200]

    def test_demo_certificates_cover_the_awkward_cases(self) -> None:
        certs = demo_certificates(NOW)
        by_days = {days_left(c): c for c in dated(certs)}

        assert by_days[-2]["usedInstanceNoList"]
        assert by_days[-40]["statusCode"] == "-2"
        assert by_days[90]["statusCode"] == "-5"
        (broken,) = [c for c in certs if c.get("notAfter") == "not-a-date"]
        assert broken["statusCode"] == "1"
        (ongoing,) = [c for c in certs if c["statusCode"] == "0"]
        assert "notAfter" not in ongoing
        assert "EXTERNAL" in {c["certificateType"] for c in certs}

    def test_demo_dates_use_ncp_format(self) -> None:
        pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\(UTC\+09:00\)"
        for cert in demo_certificates(NOW):
            for key in ("registDate", "notBefore", "notAfter"):
                value = cert.get(key)
                if value is not None and value != "not-a-date":
                    assert re.fullmatch(pattern, value), (key, value)

    def test_demo_certificates_follow_the_v2_field_types(self) -> None:
        for cert in demo_certificates(NOW):
            assert isinstance(cert["certificateNo"], int)
            assert isinstance(cert["statusCode"], str)
            for key in ("certificateName", "memberNo", "commonName", "dnsName"):
                assert isinstance(cert[key], str)
            assert all(isinstance(n, str) for n in cert["usedInstanceNoList"])

    def test_demo_certificates_are_deterministic(self) -> None:
        assert demo_certificates(NOW) == demo_certificates(NOW)

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            demo_certificates(datetime(2027, 1, 1))

    def test_many_certificates_are_numbered_and_spread(self) -> None:
        certs = many_certificates(500, NOW)
        days = [days_left(c) for c in certs]

        assert [c["certificateNo"] for c in certs] == list(range(1, 501))
        assert min(days) == -30
        assert max(days) == 400
        assert len(set(days)) > 300

    def test_demo_certificates_round_trip_through_the_stand_in(self) -> None:
        certs = demo_certificates(NOW)
        with NcpStandIn(certs, clock=lambda: CLOCK) as ncp:
            body = get(ncp, f"{V2}?pageSize=100").json()

        assert body["sslCertificateList"] == certs
