"""Reading one certificate from NCP's list, whatever shape its fields take."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.certificate import Certificate, identity
from notifier.testing.samples import demo_certificates

NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)


def test_a_v2_certificate_is_read_field_by_field():
    item = {
        "certificateNo": 102401,
        "certificateName": "www-example-com",
        "commonName": "www.example.com",
        "statusCode": "1",
        "statusName": "Normal",
        "certificateType": "NCP_FREE_DV_01",
        "notAfter": "2027-01-12 23:59:59(UTC+09:00)",
        "usedInstanceNoList": ["21873521", 21873522],
    }

    cert = Certificate.from_ncp(item)

    assert cert.number == "102401"
    assert cert.name == "www-example-com"
    assert cert.common_name == "www.example.com"
    assert cert.status_code == 1
    assert cert.not_after == datetime(2027, 1, 12, 14, 59, 59, tzinfo=UTC)
    assert cert.not_after_raw == "2027-01-12 23:59:59(UTC+09:00)"
    assert cert.used_by == ("21873521", "21873522")
    assert cert.in_use


def test_a_v1_certificate_expires_at_valid_end_date():
    item = {
        "certificateNo": 7,
        "validEndDate": "2027-01-12 23:59:59(UTC+09:00)",
        "notAfter": "1999-01-01 00:00:00(UTC)",  # not v1's field: ignored
    }

    cert = Certificate.from_ncp(item, "v1")

    assert cert.not_after == datetime(2027, 1, 12, 14, 59, 59, tzinfo=UTC)
    assert cert.not_after_raw == "2027-01-12 23:59:59(UTC+09:00)"


def test_v2_does_not_read_v1_field_names():
    cert = Certificate.from_ncp({"validEndDate": "2027-01-12 23:59:59(UTC+09:00)"})

    assert cert.not_after is None


def test_an_empty_certificate_reads_as_blanks_not_an_error():
    cert = Certificate.from_ncp({})

    assert cert.number == cert.name == cert.common_name == ""
    assert cert.status_code is None
    assert cert.not_after is None
    assert cert.not_after_raw is None
    assert cert.used_by == ()
    assert not cert.in_use


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("not-a-date", "not-a-date"),
        ("", ""),
        (20270112, "20270112"),
        ({"y": 2027}, "{'y': 2027}"),
    ],
)
def test_an_unreadable_expiry_is_unknown_and_keeps_its_raw_text(raw, kept):
    cert = Certificate.from_ncp({"notAfter": raw})

    assert cert.not_after is None
    assert cert.not_after_raw == kept


@pytest.mark.parametrize(
    ("value", "code"),
    [("1", 1), (" -5 ", -5), (-2, -2), ("0", 0), ("x", None), (True, None),
     (None, None), (1.0, None), ([1], None)],
)  # fmt: skip
def test_status_code_is_read_from_string_or_number(value, code):
    assert Certificate.from_ncp({"statusCode": value}).status_code == code


@pytest.mark.parametrize(
    ("value", "used_by"),
    [
        ([], ()),
        (["1", None, "", 2], ("1", "2")),
        ("21873521", ("21873521",)),
        (21873521, ("21873521",)),
        ("  ", ()),
        (None, ()),
        ({"a": 1}, ()),
    ],
)
def test_instances_using_it_are_read_from_list_or_single_value(value, used_by):
    assert Certificate.from_ncp({"usedInstanceNoList": value}).used_by == used_by


def test_fields_of_unexpected_types_become_text():
    cert = Certificate.from_ncp(
        {"certificateNo": 12.5, "certificateName": 99, "commonName": ["a"]}
    )

    assert (cert.number, cert.name, cert.common_name) == ("12.5", "99", "['a']")


@pytest.mark.parametrize(
    ("number", "key"),
    [(102401, "102401"), ("102401", "102401"), (" 7 ", "7"), ("", None),
     (None, None), (True, None), ([1], None), ({"n": 1}, None)],
)  # fmt: skip
def test_identity_is_the_certificate_number_when_there_is_one(number, key):
    assert identity({"certificateNo": number}) == key


def test_every_demo_certificate_is_read():
    certs = [Certificate.from_ncp(item) for item in demo_certificates(NOW)]

    assert len(certs) == 14
    unknown = [c.name for c in certs if c.not_after is None]
    assert unknown == ["broken-date-example-com", "new-example-com"]
