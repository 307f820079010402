"""Which host names name someone's machine (personal data) and which are evidence.

Issue 10 counts "host names of other machines" as PII: a laptop's, a NAS's, a
build box's or a company's internal server's name says whose network a bundle
comes from. Support still needs to know *which service* a program talked to,
so the rule is:

* a name in a private zone is a machine's (``nas.local``, ``printer.lan``,
  ``db.internal``, ``build.intranet``, ``x.home.arpa``, ``svc.corp``) and so is
  a company name in a ``corp`` zone (``proxy.corp.example.com``), wherever it
  appears;
* under a key that names a host (``host``, ``hostname``, ``DB_HOST``,
  ``Host:``, netrc ``machine``, ssh ``HostName``: see
  :func:`~diagbundle.redaction.keys.host_key`) a single-label name
  (``build-07``, ``DESKTOP-4F2K9QX``) and a name whose last label is not a
  public top-level domain (``worker-3.k8s.prod``) are a machine's too;
* a name in public DNS (its last label a public top-level domain:
  ``api.openai.com``, ``github.com``) stays, as URL hosts stay everywhere: it
  names a service, and the same name is in the URLs of the same bundle anyway;
* so do loopback names, placeholders, CPU architectures (``machine: x86_64``),
  the service names every Docker Compose file uses (``DB_HOST=postgres``) and
  well-known names of platforms (``host.docker.internal``,
  ``metadata.google.internal``).
"""

from __future__ import annotations

import functools
import re


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string, for long word lists."""
    return frozenset(text.split())


#: Zones no public DNS delegates: whatever is in them names a private machine.
PRIVATE_ZONES = ("local", "lan", "internal", "intranet", "home.arpa", "corp", "localdomain", "intra")

#: Well-known names in private zones that name a platform, not anyone's machine.
WELL_KNOWN = frozenset({
    "host.docker.internal", "gateway.docker.internal", "kubernetes.docker.internal",
    "host.containers.internal", "metadata.google.internal", "metadata.goog",
    "localhost.localdomain", "instance-data.ec2.internal",
})

#: Values under a host key that are no machine's name.
NOT_NAMES = _words("""
    localhost ip6-localhost ip6-loopback loopback broadcasthost true false yes no on off null none nil
    undefined unknown any all default auto self local empty na n/a unset required optional hidden
    redacted example hostname host machine value
    x86_64 x86-64 amd64 i386 i486 i586 i686 x86 arm arm64 aarch64 armv6l armv7l armv8l armhf armel
    ppc ppc64 ppc64le s390x riscv64 mips mips64 mipsel loongarch64 ia64 sparc64 universal
""")

#: Service names of Docker Compose files and Kubernetes examples: evidence of a setup, not a person's.
SERVICE_NAMES = _words("""
    db database postgres postgresql pg mysql mariadb mssql sqlserver oracle redis valkey memcached
    mongo mongodb cassandra scylla clickhouse elasticsearch opensearch solr kibana logstash fluentd
    rabbitmq kafka zookeeper nats mosquitto broker queue cache minio s3 nginx haproxy traefik envoy
    proxy squid api web app backend frontend server worker scheduler gateway keycloak vault consul
    etcd grafana prometheus loki jaeger otel-collector collector mailhog smtp mail ldap sftp ftp
""")

#: Generic top-level domains in wide use (every two-letter country code is public too).
PUBLIC_TLDS = _words("""
    com net org edu gov mil int info biz name pro mobi aero asia cat coop jobs museum tel travel arpa
    app dev io ai cloud online site tech xyz top shop store blog page live news media digital network
    systems services solutions software email link click space website world life company group global
    zone one run tools today center agency studio design art social games energy health bank insurance
    finance capital ventures works expert academy foundation training support consulting management
    technology international computer codes host hosting server security google amazon microsoft apple
    azure aws gle goog youtube windows office mozilla ubuntu
""")

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_IPV4ISH = re.compile(r"[0-9.]+")
#: A qualified name in code (``com.corp.billing.Invoice``, an Android app or macOS bundle id):
#: it starts with a reversed top-level domain.
_REVERSED = _words("com org net io edu gov")


def _labels(value: str) -> list[str] | None:
    """The lower-case labels of a host name, or None when it is not one."""
    name = value.strip().rstrip(".").lower()
    if not name or len(name) > 253 or _IPV4ISH.fullmatch(name):
        return None
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if not any(c.isalpha() for c in name):
        return None
    return labels


def private_zone(labels: list[str]) -> bool:
    """In a zone public DNS does not delegate, or in a company's ``corp`` zone."""
    name = ".".join(labels)
    return ("corp" in labels[1:-1] or any(name.endswith("." + zone) for zone in PRIVATE_ZONES))


@functools.lru_cache(maxsize=4096)
def machine_name(value: str) -> bool:
    """A host name under a host key that names someone's machine (see the module's rules)."""
    labels = _labels(value)
    if labels is None:
        return False
    name = ".".join(labels)
    if name in NOT_NAMES or name in SERVICE_NAMES or name in WELL_KNOWN or labels[-1] == "localhost":
        return False
    if len(labels) == 1:
        return True
    if private_zone(labels):
        return True
    tld = labels[-1]
    return not (len(tld) == 2 and tld.isalpha()) and tld not in PUBLIC_TLDS


@functools.lru_cache(maxsize=4096)
def private_host(value: str) -> bool:
    """A name in a private or ``corp`` zone found anywhere: not a platform's name, not code.

    Code looks alike: ``com.corp.billing.Invoice`` (a Java class, an Android
    app id: a reversed top-level domain first) and ``Acme.Corp.Billing.Api``
    (a .NET namespace: every part capitalised, ``corp`` in the middle).
    """
    labels = _labels(value)
    if labels is None or ".".join(labels) in WELL_KNOWN:
        return False
    if labels[0] in _REVERSED and len(labels) > 2:
        return False
    pascal = all(p[:1].isupper() and any(c.islower() for c in p) for p in value.rstrip(".").split("."))
    return not ("corp" in labels[1:-1] and pascal)
