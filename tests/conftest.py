"""Safe AWS settings for every test: dummy credentials, a fixed region, no
instance metadata, so boto3 never looks for real ones or a real endpoint."""

from __future__ import annotations

import os

import pytest

_SAFE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_UNSAFE_AWS = ("AWS_PROFILE", "AWS_ENDPOINT_URL")

# Set at import, before any test module imports boto3.
os.environ.update(_SAFE_AWS)
for _name in _UNSAFE_AWS:
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True, scope="session")
def safe_aws_environment() -> None:
    """Fail loudly should anything have put real AWS settings back."""
    for name, value in _SAFE_AWS.items():
        assert os.environ.get(name) == value, name
    for name in _UNSAFE_AWS:
        assert name not in os.environ, name
