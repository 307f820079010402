"""Host names of other machines: which keys name a host, which names are a machine's, which stay."""

from __future__ import annotations

import pytest

from diagbundle.redaction import Redactor, hosts, keys
from diagbundle.redaction.prefilter import load_hyperscan

ENGINES = ["python", "exhaustive"] + (["hyperscan"] if load_hyperscan() is not None else [])

HOST_KEYS = ["host", "Host", "hostname", "HOSTNAME", "host_name", "hostName", "DB_HOST", "db.host",
             "redis-host", "PGHOST", "X-Forwarded-Host", "machine", "machine_name", "COMPUTERNAME",
             "computer_name", "fqdn", "nodeName", "node_name"]
NOT_HOST_KEYS = ["max_host_connections", "hostNetwork", "hostPath", "host_port", "hosts", "ghost",
                 "localhost", "useLocalHost", "StrictHostKeyChecking", "machine_id", "node", "vhosts",
                 "hostname_override_enabled"]


@pytest.mark.parametrize("key", HOST_KEYS)
def test_names_a_host(key: str) -> None:
    assert keys.host_key(key)


@pytest.mark.parametrize("key", NOT_HOST_KEYS)
def test_does_not_name_a_host(key: str) -> None:
    assert not keys.host_key(key)


@pytest.mark.parametrize("value", [
    "build-07", "DESKTOP-4F2K9QX", "nas-bob", "nas.local", "db.internal", "svc.corp",
    "proxy.corp.example.com", "worker-3.k8s.prod", "ip-10-0-1-23.ec2.internal", "pg_main_2", "zeus.",
])
def test_machine_names(value: str) -> None:
    assert hosts.machine_name(value)


@pytest.mark.parametrize("value", [
    "api.openai.com", "github.com", "www.example.co.uk", "s3.eu-west-1.amazonaws.com", "localhost",
    "LOCALHOST", "app.localhost", "0.0.0.0", "10.1.2.3", "8080", "x86_64", "aarch64", "postgres",
    "redis", "true", "none", "*", "host.docker.internal", "metadata.google.internal", "${HOST}", "",
])
def test_names_that_stay(value: str) -> None:
    assert not hosts.machine_name(value)


@pytest.mark.parametrize("value, private", [
    ("nas-bob.local", True), ("printer.lan", True), ("ldap01.emea.corp.acme.net", True), ("svc.corp", True),
    ("host.docker.internal", False), ("com.corp.billing.Invoice", False), ("Acme.Corp.Billing.Api", False),
    ("NAS-Bob.Local", True), ("org.corp.app", False),
])
def test_private_names_anywhere(value: str, private: bool) -> None:
    assert hosts.private_host(value) is private


@pytest.mark.parametrize("engine", ENGINES)
def test_one_pseudonym_per_machine_in_any_case_and_shape(engine: str) -> None:
    redactor = Redactor(engine=engine, key=b"h" * 32, username=False, hostname=False)
    text = ("HOSTNAME=Build-07\n{\"host\": \"build-07\", \"port\": 22}\nHost: BUILD-07:8080\n"
            "machine build-07 login ci password s3cret\nssh to nas-bob.local, then NAS-Bob.local\n")
    out = redactor.redact(text)
    assert "build-07" not in out.lower() and "nas-bob" not in out.lower() and "s3cret" not in out
    assert out.count("<host-1>") == 4 and out.count("<host-2>") == 2, out
    assert redactor.mapping() == {"<host-1>": "build-07", "<host-2>": "nas-bob.local"}


@pytest.mark.parametrize("engine", ENGINES)
def test_host_kind_can_be_turned_off(engine: str) -> None:
    redactor = Redactor(engine=engine, key=b"h" * 32, pii=["email"], username=False, hostname=False)
    text = "HOSTNAME=build-07 via proxy.corp.example.com\n"
    assert redactor.redact(text) == text
