"""API Gateway signature v2, checked against the published test vectors."""

from __future__ import annotations

import pytest

from notifier.secret import Secret
from notifier.signing import signature, signed_headers
from notifier.testing.ncp_server import (
    SIGNATURE_VECTORS,
    VECTOR_ACCESS_KEY,
    VECTOR_SECRET_KEY,
    VECTOR_TIMESTAMP,
)

# CERTIFICATE-API.md, "Authentication": keys, timestamp and expected values.
ACCESS_KEY = VECTOR_ACCESS_KEY
SECRET_KEY = Secret(VECTOR_SECRET_KEY)
TIMESTAMP = VECTOR_TIMESTAMP


@pytest.mark.parametrize(("target", "expected"), SIGNATURE_VECTORS)
def test_signature_matches_each_published_test_vector(target, expected):
    assert signature("GET", target, TIMESTAMP, ACCESS_KEY, SECRET_KEY) == expected


def test_the_query_string_is_part_of_what_is_signed():
    bare = signature(
        "GET", "/api/v2/certificate/certificates", TIMESTAMP, ACCESS_KEY, SECRET_KEY
    )
    paged = signature(
        "GET",
        "/api/v2/certificate/certificates?page=2&pageSize=100",
        TIMESTAMP,
        ACCESS_KEY,
        SECRET_KEY,
    )

    assert bare != paged


def test_signed_headers_carry_a_13_digit_millisecond_timestamp_and_its_signature():
    headers = signed_headers(
        "GET",
        "/api/v2/certificate/certificates",
        ACCESS_KEY,
        SECRET_KEY,
        now=1234567890.123456,
    )

    assert headers["x-ncp-apigw-timestamp"] == TIMESTAMP
    assert headers["x-ncp-iam-access-key"] == ACCESS_KEY
    assert headers["x-ncp-apigw-signature-v2"] == (
        "6+svGNx8nJNYsymolT1kcIun9leoz6Z6ZuKzvjk8FL8="
    )
    assert headers["Content-Type"] == headers["Accept"] == "application/json"


def test_signed_headers_use_the_current_time_when_none_is_given():
    first = signed_headers("GET", "/x", ACCESS_KEY, SECRET_KEY)
    later = signed_headers("GET", "/x", ACCESS_KEY, SECRET_KEY, now=2_000_000_000)

    stamp = first["x-ncp-apigw-timestamp"]
    assert len(stamp) == 13 and stamp.isdigit()
    assert stamp != later["x-ncp-apigw-timestamp"]
    assert first["x-ncp-apigw-signature-v2"] != later["x-ncp-apigw-signature-v2"]


def test_the_secret_key_never_appears_in_the_headers():
    headers = signed_headers("GET", "/x", ACCESS_KEY, SECRET_KEY, now=1.0)

    assert SECRET_KEY.reveal() not in repr(headers)
