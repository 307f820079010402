"""Key names: which name a credential (any case, prefix, suffix) and the look-alikes that stay."""

from __future__ import annotations

import pytest

from diagbundle.redaction import keys

CREDENTIAL_KEYS = [
    "password", "DB_PASSWORD", "db.password", "passwd", "PGPASSWORD", "pwd", "DB_PWD", "secret",
    "clientSecret", "client_secret", "token", "accessToken", "x-auth-token", "api_key", "apiKey", "x-api-key",
    "Ocp-Apim-Subscription-Key", "signing_key", "encryptionKey", "PRIVATE_KEY", "master_key",
    "license-key", "subscriptionKey", "session", "sid", "connect.sid", "app_session", "JSESSIONID",
    "csrf", "xsrf", "X-XSRF-TOKEN", "authKey", "authCode", "auth", "_authToken", "credentials",
    "StorageAccountKey", "client-key-data",
]
LOOK_ALIKES = [
    "max_tokens", "token_type", "prompt_tokens", "PublicKeyToken", "PWD", "OLDPWD", "publicKey",
    "keyboard", "password_policy", "token_count", "BadCredentialsException", "author",
    "authentication_method", "session_timeout", "keyId", "monkey", "passport",
]


@pytest.mark.parametrize("key", CREDENTIAL_KEYS)
def test_names_a_credential(key: str) -> None:
    assert keys.strength(key) is not None


@pytest.mark.parametrize("key", LOOK_ALIKES)
def test_look_alike_stays(key: str) -> None:
    assert keys.strength(key) is None


@pytest.mark.parametrize("key, value, secret", [
    ("primaryKey", "id", False), ("primaryKey", "pk_9f8e7d6c5b4a3f2e1d0c", True),
    ("session", "active", False), ("session", "s3ss-9a8b7c6d5e", True),
    ("csrfToken", "document.querySelector(", False), ("password", "hunter", True),
])
def test_value_shape_decides_for_weak_keys(key: str, value: str, secret: bool) -> None:
    how = keys.strength(key)
    assert how is not None
    assert keys.credential_value(value, how) is secret
