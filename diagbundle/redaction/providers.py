"""Provider token formats, as data: one row per documented format.

Each row is ``(rule name, literal prefix, body)``: a token is the prefix
(matched case-sensitively, at the start of a word or right after a JSON
``\\n``-style escape) followed by the body pattern, and it must not run on
into more letters or digits. The prefix, lower-cased, is the rule's
prefilter trigger. Formats come from each provider's documentation of its
key and token formats (and the public rule sets of open secret scanners
that cite them); only formats with a distinctive prefix are listed here,
so a random 40-character identifier is never taken for a key. Formats
without one are found by their key names instead (:mod:`~.keys`).
"""

from __future__ import annotations

import re

from diagbundle.redaction.rule import Rule

_HEX = "[a-f0-9]"
_B62 = "[A-Za-z0-9]"
_URLSAFE = "[A-Za-z0-9_-]"
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

#: (rule name, prefix, body): the table.
FORMATS: tuple[tuple[str, str, str], ...] = (
    # Cloud platforms
    ("alibaba-access-key-id", "LTAI", f"{_B62}{{12,20}}"),
    ("amazon-bedrock-key", "ABSK", "[A-Za-z0-9+/]{100,300}={0,2}"),
    ("amazon-bedrock-key", "bedrock-api-key-", "[A-Za-z0-9+/]{40,}={0,2}"),
    ("digitalocean-token", "dop_v1_", f"{_HEX}{{64}}"),
    ("digitalocean-token", "doo_v1_", f"{_HEX}{{64}}"),
    ("digitalocean-token", "dor_v1_", f"{_HEX}{{64}}"),
    ("digitalocean-token", "dos_v1_", f"{_HEX}{{64}}"),
    ("flyio-token", "fo1_", f"{_URLSAFE}{{43}}"),
    ("flyio-token", "fm1a_", "[A-Za-z0-9+/=_-]{100,}"),
    ("flyio-token", "fm1r_", "[A-Za-z0-9+/=_-]{100,}"),
    ("flyio-token", "fm2_", "[A-Za-z0-9+/=_-]{100,}"),
    ("heroku-key", "HRKU-", f"{_URLSAFE}{{60}}"),
    ("netlify-token", "nfp_", f"{_B62}{{36}}"),
    ("netlify-token", "nfc_", f"{_B62}{{36}}"),
    ("render-key", "rnd_", f"{_B62}{{32}}"),
    ("vercel-token", "vcp_", f"{_B62}{{24,}}"),
    ("vercel-token", "vci_", f"{_B62}{{24,}}"),
    ("vercel-token", "vca_", f"{_B62}{{24,}}"),
    ("vercel-token", "vcr_", f"{_B62}{{24,}}"),
    ("vercel-token", "vck_", f"{_B62}{{24,}}"),
    ("scalingo-token", "tk-us-", f"{_URLSAFE}{{48}}"),
    ("yandex-key", "AQVN", f"{_URLSAFE}{{35,38}}"),
    ("openshift-token", "sha256~", f"{_URLSAFE}{{43}}"),
    ("supabase-token", "sbp_", f"{_HEX}{{40}}"),
    ("supabase-key", "sb_secret_", f"{_URLSAFE}{{20,}}"),
    ("neon-key", "napi_", "[a-z0-9]{64}"),
    ("planetscale-token", "pscale_tkn_", "[A-Za-z0-9_.-]{32,64}"),
    ("planetscale-password", "pscale_pw_", "[A-Za-z0-9_.-]{32,64}"),
    ("planetscale-token", "pscale_oauth_", "[A-Za-z0-9_.-]{32,64}"),
    ("cloudflare-origin-ca-key", "v1.0-", f"{_HEX}{{24}}-{_HEX}{{146}}"),
    ("tailscale-key", "tskey-api-", f"{_B62}+-{_B62}+"),
    ("tailscale-key", "tskey-auth-", f"{_B62}+-{_B62}+"),
    ("tailscale-key", "tskey-client-", f"{_B62}+-{_B62}+"),
    ("tailscale-key", "tskey-webhook-", f"{_B62}+-{_B62}+"),
    ("tailscale-key", "tskey-scim-", f"{_B62}+-{_B62}+"),
    # Secrets managers and infrastructure as code
    ("vault-token", "hvs.", f"{_URLSAFE}{{24,}}"),
    ("vault-token", "hvb.", f"{_URLSAFE}{{24,}}"),
    ("vault-token", "hvr.", f"{_URLSAFE}{{24,}}"),
    ("doppler-token", "dp.pt.", f"{_B62}{{40,44}}"),
    ("doppler-token", "dp.st.", f"(?:[a-z0-9_-]{{2,35}}\\.)?{_B62}{{40,44}}"),
    ("doppler-token", "dp.sa.", f"{_B62}{{40,44}}"),
    ("doppler-token", "dp.ct.", f"{_B62}{{40,44}}"),
    ("doppler-token", "dp.scim.", f"{_B62}{{40,44}}"),
    ("doppler-token", "dp.audit.", f"{_B62}{{40,44}}"),
    ("pulumi-token", "pul-", f"{_HEX}{{40}}"),
    ("onepassword-token", "ops_eyJ", "[A-Za-z0-9+/=_-]{100,}"),
    ("age-secret-key", "AGE-SECRET-KEY-1", "[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    ("infracost-key", "ico-", f"{_B62}{{32}}"),
    ("harness-token", "pat.", f"{_URLSAFE}{{22}}\\.{_HEX}{{24}}\\.{_B62}{{20}}"),
    ("octopus-key", "API-", "[A-Z0-9]{26}"),
    ("prefect-key", "pnu_", f"{_B62}{{36}}"),
    # Source control, CI, packages
    ("atlassian-token", "ATATT3", "[A-Za-z0-9_=-]{100,}"),
    ("atlassian-token", "ATCTT3", "[A-Za-z0-9_=-]{100,}"),
    ("bitbucket-token", "ATBB", "[A-Za-z0-9_=.-]{32,}"),
    ("gitlab-runner-token", "GR1348941", f"{_URLSAFE}{{20,}}"),
    ("buildkite-token", "bkua_", f"{_HEX}{{40}}"),
    ("circleci-token", "CCIPAT_", f"{_B62}{{22}}_{_HEX}{{40}}"),
    ("circleci-token", "CCIRT_", f"{_B62}{{22}}_{_HEX}{{40}}"),
    ("sonar-token", "sqp_", f"{_HEX}{{40}}"),
    ("sonar-token", "squ_", f"{_HEX}{{40}}"),
    ("sonar-token", "sqa_", f"{_HEX}{{40}}"),
    ("sourcegraph-token", "sgp_", f"(?:{_HEX}{{16}}_|local_)?{_HEX}{{40}}"),
    ("sourcegraph-token", "sgs_", f"{_HEX}{{40}}"),
    ("rubygems-key", "rubygems_", f"{_HEX}{{48}}"),
    ("clojars-token", "CLOJARS_", "[a-z0-9]{60}"),
    ("dockerhub-token", "dckr_pat_", f"{_URLSAFE}{{27}}"),
    ("dockerhub-token", "dckr_oat_", f"{_URLSAFE}{{32}}"),
    ("jfrog-key", "AKCp", f"{_B62}{{69}}"),
    ("jfrog-token", "cmVmdGtuOjAxOj", "[A-Za-z0-9]{40,}"),
    ("readme-key", "rdme_", "[a-z0-9]{70}"),
    # Observability
    ("grafana-token", "glc_", "[A-Za-z0-9+/]{32,400}={0,2}"),
    ("grafana-token", "glsa_", f"{_B62}{{32}}_{_HEX}{{8}}"),
    ("grafana-key", "eyJrIjoi", "[A-Za-z0-9]{70,400}={0,2}"),
    ("newrelic-key", "NRAK-", "[A-Z0-9]{27}"),
    ("newrelic-key", "NRII-", f"{_URLSAFE}{{32}}"),
    ("newrelic-key", "NRJS-", f"{_HEX}{{19}}"),
    ("newrelic-key", "NRRA-", f"{_HEX}{{42}}"),
    ("newrelic-key", "NRAA-", f"{_HEX}{{27}}"),
    ("sentry-token", "sntrys_eyJ", "[A-Za-z0-9+/=_-]{50,}"),
    ("sentry-token", "sntryu_", f"{_HEX}{{64}}"),
    ("dynatrace-token", "dt0c01.", "[A-Z0-9]{24}\\.[A-Z0-9]{64}"),
    ("dynatrace-token", "dt0s01.", "[A-Z0-9]{24}\\.[A-Z0-9]{64}"),
    ("posthog-key", "phx_", f"{_B62}{{43}}"),
    ("langsmith-key", "lsv2_pt_", f"{_HEX}{{32}}_{_HEX}{{10}}"),
    ("langsmith-key", "lsv2_sk_", f"{_HEX}{{32}}_{_HEX}{{10}}"),
    # AI
    ("groq-key", "gsk_", f"{_B62}{{52}}"),
    ("xai-key", "xai-", f"{_B62}{{80}}"),
    ("perplexity-key", "pplx-", f"{_B62}{{48}}"),
    ("replicate-token", "r8_", f"{_B62}{{37}}"),
    ("cerebras-key", "csk-", f"{_B62}{{48}}"),
    ("fireworks-key", "fw_", f"{_B62}{{24}}"),
    ("pinecone-key", "pcsk_", "[A-Za-z0-9_]{50,}"),
    ("elevenlabs-key", "sk_", f"{_HEX}{{48}}"),
    ("unkey-key", "unkey_", f"{_B62}{{20,}}"),
    # Google, Microsoft, Meta, Twitter
    ("google-oauth-secret", "GOCSPX-", f"{_URLSAFE}{{28}}"),
    ("firebase-fcm-key", "AAAA", f"{_URLSAFE}{{7}}:APA91b{_URLSAFE}{{134}}"),
    ("facebook-token", "EAA", f"{_B62}{{80,}}"),
    ("twitter-bearer", "AAAAAAAAAAAAAAAAAAAAA", "[A-Za-z0-9%]{30,}"),
    # Commerce and payments
    ("shopify-token", "shpat_", f"{_HEX}{{32}}"),
    ("shopify-token", "shpca_", f"{_HEX}{{32}}"),
    ("shopify-token", "shppa_", f"{_HEX}{{32}}"),
    ("shopify-secret", "shpss_", f"{_HEX}{{32}}"),
    ("square-token", "sq0atp-", f"{_URLSAFE}{{22}}"),
    ("square-secret", "sq0csp-", f"{_URLSAFE}{{43}}"),
    ("square-token", "EAAA", f"{_URLSAFE}{{60}}"),
    ("razorpay-key", "rzp_live_", f"{_B62}{{14}}"),
    ("razorpay-key", "rzp_test_", f"{_B62}{{14}}"),
    ("shippo-token", "shippo_live_", f"{_HEX}{{40}}"),
    ("shippo-token", "shippo_test_", f"{_HEX}{{40}}"),
    ("easypost-key", "EZAK", f"{_B62}{{54}}"),
    ("easypost-key", "EZTK", f"{_B62}{{54}}"),
    ("flutterwave-key", "FLWSECK_TEST-", f"{_HEX}{{32}}-X"),
    ("flutterwave-key", "FLWSECK-", f"{_HEX}{{32}}-X"),
    ("duffel-token", "duffel_live_", "[A-Za-z0-9_=-]{43}"),
    ("duffel-token", "duffel_test_", "[A-Za-z0-9_=-]{43}"),
    ("plaid-token", "access-production-", _UUID),
    ("plaid-token", "access-development-", _UUID),
    ("plaid-token", "access-sandbox-", _UUID),
    ("braintree-token", "access_token$production$", f"[0-9a-z]{{16}}\\${_HEX}{{32}}"),
    ("braintree-token", "access_token$sandbox$", f"[0-9a-z]{{16}}\\${_HEX}{{32}}"),
    ("woocommerce-key", "ck_", f"{_HEX}{{40}}"),
    ("woocommerce-secret", "cs_", f"{_HEX}{{40}}"),
    ("lob-key", "live_", f"{_HEX}{{35}}"),
    ("lob-key", "test_", f"{_HEX}{{35}}"),
    # Messaging, e-mail, SaaS
    ("mailgun-key", "key-", f"{_HEX}{{32}}"),
    ("mailersend-token", "mlsn.", f"{_HEX}{{64}}"),
    ("resend-key", "re_", f"{_B62}{{8}}_{_B62}{{24}}"),
    ("brevo-key", "xkeysib-", f"{_HEX}{{64}}-{_B62}{{16}}"),
    ("brevo-key", "xsmtpsib-", f"{_HEX}{{64}}-{_B62}{{16}}"),
    ("slack-token", "xoxe.xoxp-", f"[0-9]-{_B62}{{100,}}"),
    ("slack-token", "xoxe.xoxb-", f"[0-9]-{_B62}{{100,}}"),
    ("linear-key", "lin_api_", f"{_B62}{{40}}"),
    ("linear-key", "lin_oauth_", f"{_HEX}{{64}}"),
    ("figma-token", "figd_", f"{_URLSAFE}{{40,}}"),
    ("notion-token", "secret_", f"{_B62}{{43}}"),
    ("notion-token", "ntn_", f"[0-9]{{11}}{_B62}{{35}}"),
    ("postman-key", "PMAK-", f"{_HEX}{{24}}-{_HEX}{{34}}"),
    ("hubspot-token", "pat-na1-", _UUID),
    ("hubspot-token", "pat-eu1-", _UUID),
    ("typeform-token", "tfp_", "[A-Za-z0-9_.=-]{59}"),
    ("contentful-token", "CFPAT-", f"{_URLSAFE}{{43}}"),
    ("adafruit-key", "aio_", f"{_B62}{{28}}"),
    ("frameio-token", "fio-u-", "[A-Za-z0-9_=-]{64}"),
    ("dropbox-token", "sl.", f"{_URLSAFE}{{130,}}"),
    ("dropbox-token", "sl.u.", f"{_URLSAFE}{{130,}}"),
    ("clickup-token", "pk_", "[0-9]{6,9}_[A-Z0-9]{32}"),
    ("mapbox-token", "sk.eyJ", f"{_URLSAFE}{{20,}}\\.{_URLSAFE}{{20,}}"),
    ("mapbox-token", "tk.eyJ", f"{_URLSAFE}{{20,}}\\.{_URLSAFE}{{20,}}"),
    ("databricks-token", "dapi", "[a-h0-9]{32}(?:-[0-9])?"),
    ("databricks-token", "dkea", "[a-h0-9]{32}(?:-[0-9])?"),
    ("salesforce-token", "00D", f"{_B62}{{12,15}}![A-Za-z0-9._]{{80,}}"),
)

#: Formats with no literal prefix of their own: (rule name, pattern, trigger).
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("telegram-bot-token", r"(?<![0-9])[0-9]{8,10}:AA[0-9A-Za-z_-]{33}(?![0-9A-Za-z_-])", r"[0-9]:aa"),
    ("terraform-cloud-token", r"(?<![A-Za-z0-9])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,70}",
     r"\.atlasv1\."),
    ("azure-devops-pat",
     r"(?<![A-Za-z0-9])[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9][A-C][A-Za-z0-9]{16}AZDO[A-Za-z0-9]{4}"
     r"(?![A-Za-z0-9])", "jqqj99"),
    ("azure-client-secret", r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
     "8q~"),
    ("mailchimp-key", r"(?<![A-Za-z0-9])[0-9a-f]{32}-us[0-9]{1,2}(?![A-Za-z0-9])", r"-us[0-9]"),
    ("newrelic-key", r"(?<![A-Za-z0-9])[a-f0-9]{36}NRAL(?![A-Za-z0-9])", "nral"),
    ("discord-webhook", r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/(?P<value>[A-Za-z0-9_-]{60,68})",
     r"discord(?:app)?\.com/api/webhooks/"),
    ("teams-webhook", r"\.webhook\.office\.com/webhookb2/(?P<value>[A-Za-z0-9@/_-]{40,})",
     r"\.webhook\.office\.com/"),
    ("zapier-webhook", r"hooks\.zapier\.com/hooks/catch/[0-9]+/(?P<value>[A-Za-z0-9]+)",
     r"hooks\.zapier\.com/"),
    ("password-hash",
     r"(?<![A-Za-z0-9$])\$(?:1|2[abxy]|5|6|y|gy|7|apr1|md5|sha1|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha(?:1|256|512))?)"
     r"\$[A-Za-z0-9./+=$,-]{8,}",
     r"\$(?:1|2[abxy]|5|6|y|gy|7|apr1|md5|sha1|argon2|scrypt|pbkdf2)[-a-z0-9]*\$"),
    # LDAP and htpasswd schemes ({SHA}, {SSHA}, ...), PostgreSQL's SCRAM verifier, Django's hashers.
    ("password-hash", r"(?<![A-Za-z0-9])\{(?:SHA|SSHA|SHA256|SSHA256|SHA512|SSHA512|MD5|SMD5|PBKDF2[A-Z0-9-]*)\}"
     r"[A-Za-z0-9+/]{20,}={0,2}", r"\{(?:sha|ssha|md5|smd5|pbkdf2)[a-z0-9-]*\}"),
    ("password-hash", r"(?<![A-Za-z0-9])SCRAM-SHA-(?:1|256)\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+",
     r"scram-sha-(?:1|256)\$"),
    ("password-hash", r"(?<![A-Za-z0-9_])(?:pbkdf2_sha(?:1|256)\$[0-9]+|argon2\$argon2(?:id|i|d)|bcrypt_sha256\$)"
     r"\$?[A-Za-z0-9./+=$,-]{16,}", r"pbkdf2_sha(?:1|256)\$|argon2\$argon2|bcrypt_sha256\$"),
    ("putty-private-key", r"^(?i:private-mac|private-hash):[ \t]*(?P<value>[0-9a-fA-F]{20,})",
     r"^private-(?:mac|hash):"),
    ("jwk-private-key",
     r"\"(?:d|p|q|dp|dq|qi|k)\"[ \t]*:[ \t]*\"(?P<value>[A-Za-z0-9_-]{40,})\"",
     r"\"(?:d|p|q|dp|dq|qi|k)\"[ \t]*:[ \t]*\"[a-z0-9_-]"),
    # A token used as a URL's user name: https://TOKEN@github.com, Sentry DSNs (also the legacy
    # https://KEY:SECRET@host form, whose password is url-password's); the host stays.
    ("url-token", r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://(?P<value>[A-Za-z0-9_-]{20,})"
     r"(?::[^\s\"'<>@/]+)?@[A-Za-z0-9.-]+",
     r"://[a-z0-9_-]{20,}[@:]"),
)

_START = r"(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf]))"
#: :data:`_START` for the prefilter: a prefix inside a word (``eaa`` in a hex
#: digest, ``00d`` in a UUID) is no token's start, and there are thousands of
#: those in a log. The Python prefilter drops this leading group and scans
#: for the prefix alone (see ``prefilter.drop_context``); both stay supersets.
_TRIGGER_START = r"(?:^|[^a-z0-9]|\\[nrtbf])"


def provider_rules() -> list[Rule]:
    """One rule per row of :data:`FORMATS` and :data:`PATTERNS`."""
    rules = [
        Rule(name, rf"{_START}{re.escape(prefix)}{body}(?![A-Za-z0-9])", flags=re.ASCII,
             trigger=_TRIGGER_START + re.escape(prefix.lower()))
        for name, prefix, body in FORMATS
    ]
    for name, pattern, trigger in PATTERNS:
        compiled = re.compile(pattern)
        rules.append(Rule(name, pattern, flags=re.ASCII, trigger=trigger,
                          group="value" if "value" in compiled.groupindex else 0,
                          priority=-1 if name == "url-token" else 0))
    return rules


def format_count() -> int:
    """How many formats the two tables hold."""
    return len(FORMATS) + len(PATTERNS)
