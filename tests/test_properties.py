"""Properties that must hold for every input, checked with hypothesis.

Each property runs a bounded number of examples (and no deadline, since a
loaded CI machine is no evidence of a bug), so the suite stays fast.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from notifier import digest, policy
from notifier.certificate import Certificate
from notifier.dates import format_ncp_datetime, parse_ncp_datetime
from notifier.secret import Secret
from notifier.signing import signature
from notifier.testing.limits import slack_problems, sns_problems
from notifier.testing.ncp_server import SIGNATURE_VECTORS, expected_signature

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")

# Instants at whole seconds (what NCP's form writes), a day inside the
# calendar's edges so that any offset can still be written.
instants = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(UTC),
)
whole_seconds = instants.map(lambda moment: moment.replace(microsecond=0))
# Every offset NCP's form can carry: -18:59 to +18:59, in minutes.
offsets = st.integers(min_value=-(18 * 60 + 59), max_value=18 * 60 + 59).map(
    lambda minutes: timedelta(minutes=minutes)
)


class TestDates:
    @BOUNDED
    @given(instant=whole_seconds, offset=offsets)
    @example(
        instant=datetime(2027, 1, 12, 14, 59, 59, tzinfo=UTC), offset=timedelta(hours=9)
    )
    @example(
        instant=datetime(1, 1, 2, tzinfo=UTC), offset=timedelta(hours=-18, minutes=-59)
    )
    def test_ncp_form_reads_back_as_the_instant_it_names(self, instant, offset):
        written = format_ncp_datetime(instant, offset)

        assert parse_ncp_datetime(written) == instant

    @BOUNDED
    @given(instant=whole_seconds, offset=offsets)
    def test_ncp_form_variants_read_back_the_same(self, instant, offset):
        written = format_ncp_datetime(instant, offset)
        local, zone = written[:19], written[19:]

        for variant in (
            f"{local} {zone}",
            f"{local.replace(' ', 'T')}{zone}",
            f"{local}{zone.lower()}",
            f"  {local}{zone.replace(':', '')}  ",
        ):
            assert parse_ncp_datetime(variant) == instant, variant

    @BOUNDED
    @given(instant=instants, offset=offsets)
    def test_iso_8601_reads_back_as_the_instant_it_names(self, instant, offset):
        written = instant.astimezone(timezone(offset)).isoformat()

        assert parse_ncp_datetime(written) == instant

    @BOUNDED
    @given(instant=whole_seconds)
    def test_utc_without_an_offset_reads_as_utc(self, instant):
        written = f"{instant.year:04d}-{instant:%m-%d %H:%M:%S}(UTC)"

        assert parse_ncp_datetime(written) == instant

    @BOUNDED
    @given(text=st.text(max_size=80))
    def test_any_text_reads_as_an_instant_or_as_unknown(self, text):
        parsed = parse_ncp_datetime(text)

        assert parsed is None or parsed.utcoffset() == timedelta(0)


RANK = {policy.State.EXPIRED: 0, policy.State.EXPIRING: 1, policy.State.OK: 2}
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(UTC),
)
threshold_sets = st.lists(
    st.integers(min_value=1, max_value=3650), min_size=1, max_size=6, unique=True
).map(lambda days: tuple(sorted(days, reverse=True)))


class TestPolicy:
    @BOUNDED
    @given(
        expiry=moments,
        earlier=moments,
        later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
        thresholds=threshold_sets,
    )
    def test_a_certificate_never_grows_less_urgent_as_its_expiry_nears(
        self, expiry, earlier, later_by, thresholds
    ):
        certificate = Certificate.from_ncp(
            {"certificateNo": 1, "statusCode": "1", "notAfter": expiry.isoformat()}
        )
        before = policy.judge(certificate, earlier, thresholds)
        after = policy.judge(certificate, earlier + later_by, thresholds)

        assert RANK[after.state] <= RANK[before.state]
        assert after.days_left <= before.days_left
        if after.state is before.state is policy.State.EXPIRING:
            assert after.threshold <= before.threshold

    @BOUNDED
    @given(expiry=moments, now=moments, thresholds=threshold_sets)
    def test_the_threshold_is_the_smallest_at_or_above_the_days_left(
        self, expiry, now, thresholds
    ):
        certificate = Certificate.from_ncp(
            {"certificateNo": 1, "statusCode": "1", "notAfter": expiry.isoformat()}
        )
        verdict = policy.judge(certificate, now, thresholds)

        if verdict.state is policy.State.EXPIRING:
            assert verdict.threshold == min(
                days for days in thresholds if days >= verdict.days_left
            )
        else:
            assert verdict.threshold is None


# Names from any Unicode, lone surrogates and controls included, salted with
# what means something to Slack, Jinja, HTML and terminals.
hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(list("<>&*_~`|!@{}%#\n\r\t\u202e\u2066\u200f\ufeff")),
    ),
    max_size=400,
) | st.sampled_from(
    ["<!channel>", "<https://x.example|y>", "{{ 7*7 }}", "&amp;", "Q" * 10_000]
)
raw_values = st.one_of(
    hostile_text, st.integers(), st.none(), st.floats(), st.booleans()
)
certificates = st.fixed_dictionaries(
    {
        "certificateNo": raw_values,
        "certificateName": raw_values,
        "commonName": raw_values,
        "statusCode": st.sampled_from(["1", "0", "-2", "-5", 1, None, "x"]),
        "notAfter": st.one_of(
            st.integers(min_value=-20, max_value=40).map(
                lambda days: format_ncp_datetime(NOW + timedelta(days=days, hours=1))
            ),
            raw_values,
        ),
        "usedInstanceNoList": st.one_of(st.lists(raw_values, max_size=5), raw_values),
    }
)


class TestDigest:
    @BOUNDED
    @given(items=st.lists(certificates, min_size=1, max_size=120))
    def test_any_certificates_make_messages_within_every_limit(self, items):
        verdicts = [
            policy.judge(Certificate.from_ncp(item), NOW, (30, 14, 7, 3, 1))
            for item in items
        ]
        due = [verdict for verdict in verdicts if verdict.needs_attention]
        assume(due)

        rendered = digest.render(
            due,
            verdicts,
            now=NOW,
            zone=SEOUL,
            thresholds=(30, 14, 7, 3, 1),
            report_hint='Invoke it with {"mode": "report"} for the full list.',
        )

        assert slack_problems(rendered.slack) == []
        assert sns_problems(rendered.subject, rendered.text) == []
        assert rendered.due_count == len(due)


class TestSigning:
    @pytest.mark.parametrize(("target", "published"), SIGNATURE_VECTORS)
    def test_signing_matches_the_published_vectors(self, target, published):
        made = signature(
            "GET", target, "1234567890123", "TestAccessKey", Secret("TestSecretKey")
        )

        assert made == published

    @BOUNDED
    @given(
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
        target=st.text(min_size=1, max_size=200).map(lambda text: "/" + text),
        timestamp=st.integers(min_value=0, max_value=10**13 - 1).map(str),
        access_key=st.text(min_size=1, max_size=40),
        secret_key=st.text(min_size=1, max_size=60),
    )
    def test_signing_agrees_with_the_stand_in_for_any_request(
        self, method, target, timestamp, access_key, secret_key
    ):
        made = signature(method, target, timestamp, access_key, Secret(secret_key))

        assert made == expected_signature(
            method, target, timestamp, access_key, secret_key
        )

    @BOUNDED
    @given(target=st.text(max_size=100), other=st.text(max_size=100))
    def test_a_different_target_gets_a_different_signature(self, target, other):
        assume(target != other)
        key = Secret("TestSecretKey")

        first = signature("GET", target, "1234567890123", "TestAccessKey", key)
        second = signature("GET", other, "1234567890123", "TestAccessKey", key)

        assert first != second
