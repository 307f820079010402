"""Which field names mark a secret: headers, query and form parameters, JSON keys.

Whether a key names a credential is one definition for text, JSON and HAR:
the structure layer's key classes (``diagbundle.credential_key``, both its
``strong`` names such as ``password``, ``x-api-key``, ``csrftoken`` and its
``weak`` ones such as ``session``, ``key``, ``auth``, ``code``). The HAR leans
towards scrubbing: where the text layer keeps a weak key's value unless it
is shaped like a token, a HAR replaces it unless it is evidence, decided by
place and value. What this module adds is those places: in a URL's query or
fragment and in a form body, ``state``, ``token``, ``id_token``,
``access_token`` (OAuth, OpenID and SAML parameters, :data:`PARAM_CREDENTIALS`)
are credentials whatever they hold; in a JSON error object ``code`` is
evidence (:func:`json_key_may_be_evidence`, decided with the value by the walk).
A support engineer loses little when a ``countryCode`` is replaced by a
pseudonym; a user loses a lot when a ``code`` from an OAuth redirect survives.
"""

from __future__ import annotations

import re
from functools import lru_cache

from diagbundle import credential_key
from diagbundle_plugins.har.entropy import looks_like_token

_SPLIT = re.compile(r"[^A-Za-z0-9.]+|(?<=[a-z0-9])(?=[A-Z])")

#: Parameters that are credentials by place (query, fragment, form field), whatever they hold:
#: what an OAuth, OpenID or SAML exchange carries in a URL or a form post.
PARAM_CREDENTIALS = frozenset({
    "code", "state", "token", "id_token", "access_token", "refresh_token", "session_state",
    "code_verifier", "code_challenge", "client_assertion", "assertion", "oauth_token",
    "oauth_verifier", "samlresponse", "samlrequest", "relaystate", "ticket", "nonce", "jwt",
})


#: The credential headers' own names: the key classes read ``authorization`` as a word
#: like ``author``, yet as a JSON key or a pair's name it holds what the header does.
CREDENTIAL_HEADER_NAMES = frozenset({"authorization", "proxy-authorization"})


@lru_cache(maxsize=8192)
def is_secret_name(name: str) -> bool:
    """A header, parameter or JSON key that names a credential (the structure layer's key classes)."""
    return credential_key(name.lstrip(":")) is not None or name.lower() in CREDENTIAL_HEADER_NAMES


@lru_cache(maxsize=8192)
def secret_param(name: str) -> bool:
    """A query, fragment or form parameter that holds a credential: by place or by its name."""
    return name.lower() in PARAM_CREDENTIALS or is_secret_name(name)


@lru_cache(maxsize=8192)
def walked_key(key: str) -> bool:
    """A JSON key the walk decides by itself (a credential name, ``state`` & co by place, or a
    key that is itself a token: a map keyed by session IDs)."""
    return secret_param(key) or looks_like_token(key)


#: Response headers whose value is a request or trace ID support can look up.
REQUEST_ID_HEADERS = frozenset({
    "x-request-id", "request-id", "x-req-id", "cf-ray", "openai-request-id", "x-amzn-requestid",
    "x-amz-request-id", "x-amz-id-2", "x-amz-cf-id", "x-amzn-trace-id", "x-ms-request-id",
    "x-ms-correlation-request-id", "x-correlation-id", "correlation-id", "x-trace-id", "trace-id",
    "x-b3-traceid", "traceparent", "x-cloud-trace-context", "x-github-request-id",
    "x-vercel-id", "fly-request-id", "x-azure-ref", "x-goog-request-id", "anthropic-request-id",
    "x-datadog-trace-id",
})

#: Request and response headers that carry a request or trace ID: kept as they are
#: (no secret in them, and they are what support looks up), listed in the findings.
TRACE_HEADERS = REQUEST_ID_HEADERS | frozenset({
    "sentry-trace", "x-client-trace-id", "b3", "x-b3-spanid", "x-b3-parentspanid", "x-span-id",
    "x-client-request-id", "x-amzn-requestid", "x-amz-apigw-id", "x-datadog-parent-id",
    "x-ms-client-request-id", "x-goog-trace-id", "x-cloud-trace-id", "x-ray-id",
})

#: Headers whose values are high-entropy by nature but not credentials.
HIGH_ENTROPY_OK = TRACE_HEADERS | frozenset({
    "etag", "if-none-match", "if-match", "content-md5", "digest", "content-digest",
    "sec-websocket-accept", "sec-websocket-key", "tracestate", "x-cache", "x-served-by", "x-timer",
    "report-to", "nel",
    "link", "accept-ch", "sec-ch-ua", "sec-ch-ua-full-version-list", "user-agent", "date",
    "last-modified", "expires", "alt-svc", "server-timing", "content-type", "content-disposition",
})

#: Headers whose value is a URL (or a list of them).
URL_HEADERS = frozenset({"referer", "origin", "location", "content-location", "refresh",
                         "x-forwarded-url", "x-original-url", "x-rewrite-url"})

#: Path words after which the next segment is usually a one-time secret
#: (``/reset/<token>``, ``/invite/<code>``).
SENSITIVE_PATH_WORDS = frozenset({
    "reset", "reset-password", "reset_password", "resetpassword", "password", "passwords",
    "token", "tokens", "verify", "verification", "confirm", "confirmation", "activate",
    "activation", "invite", "invites", "invitation", "invitations", "magic", "magic-link",
    "magiclink", "login-link", "unsubscribe", "share", "shared", "auth", "oauth", "oauth2",
    "key", "keys", "api-key", "apikey", "secret", "secrets", "session", "sessions", "otp", "mfa",
    "sso", "saml", "ticket", "tickets", "signin", "sign-in", "email-confirm", "recover",
    "recovery", "claim", "redeem", "download-token", "hooks", "webhook", "webhooks",
})


# -- JSON keys: decided by place and value, not by name alone ---------------------------
#: JSON keys that a name-only rule would call secret but that hold evidence when their
#: value is a number, a boolean or a plain identifier (``"code": "model_not_found"``,
#: ``"state": "RUNNING"``, ``"token_type": "Bearer"``, ``"statusCode": 403``).
#: In URLs the same names (``code``, ``state``) stay credentials: see walk.sanitize_query.
JSON_EVIDENCE_KEYS = frozenset({
    "code", "state", "token_type", "tokentype", "primarykey", "primary_key", "foreignkey",
    "foreign_key", "sortkey", "sort_key", "partitionkey", "partition_key", "keytype", "key_type",
    "keyid", "key_id", "kid", "statecode", "errorcode", "error_code", "authtype", "auth_type",
    "auth_method", "authmethod",
})
#: ``<prefix>Code`` / ``<prefix>_code`` keys that name a status, not a secret.
_EVIDENCE_CODE_PREFIXES = frozenset({
    "status", "exit", "country", "error", "currency", "language", "lang", "locale", "region",
    "response", "reason", "http", "return", "result", "state", "product", "item", "airport",
    "timezone", "zone", "area", "dial", "iso", "unit", "category", "event", "signal",
})
#: Keys whose value is a path or file name (S3 ``Key``), not a credential, when it reads as one.
JSON_PATH_KEYS = frozenset({"key", "objectkey", "object_key", "s3key", "s3_key", "cachekey", "cache_key"})
#: Query parameters that carry a request or trace ID: evidence, like the headers.
TRACE_PARAMS = frozenset({"request_id", "requestid", "trace_id", "traceid", "correlation_id",
                          "correlationid", "x-request-id", "x-client-trace-id", "sentry-trace"})


@lru_cache(maxsize=4096)
def json_key_may_be_evidence(key: str) -> bool:
    """True for a secret-looking JSON key that holds evidence when its value reads as such."""
    lowered = key.lower()
    if lowered in JSON_EVIDENCE_KEYS or lowered in JSON_PATH_KEYS:
        return True
    words = [w.lower() for w in _SPLIT.split(key) if w]
    if len(words) == 2 and words[1] == "code" and words[0] in _EVIDENCE_CODE_PREFIXES:
        return True
    return len(words) == 1 and lowered.endswith("code") and lowered[:-4] in _EVIDENCE_CODE_PREFIXES

#: Path words after which a hex segment is a git object name (``/commit/<sha>``), not a token.
GIT_PATH_WORDS = frozenset({"commit", "commits", "tree", "blob", "raw", "blame", "sha", "shas", "rev",
                            "revision", "revisions", "compare", "archive", "changeset", "ref", "refs",
                            "checks", "statuses", "diff", "patch"})
