"""The connectivity probe, for real: a network namespace with dnsmasq, an HTTPS service (trustme),
tinyproxy with and without authentication, an intercepting proxy, and broken targets.

Every packet stays inside the namespace the module creates; it is removed in ``finally``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from diagbundle_plugins.connectivity import probe, upload_size

from diagbundle.errors import UsageError

HERE = Path(__file__).parent
ADDRESSES = tuple(f"10.77.0.{n}" for n in range(1, 9))
#: tinyproxy's BasicAuth accepts only [A-Za-z0-9._-]; passwords with '/', '@', '%' are covered by
#: test_credentials_are_found_where_strip_userinfo_cuts and the network collector's tests.
PROXY_PASSWORD = "Tiny-proxy_pw.9"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=check)


def _tinyproxy_conf(folder: Path, port: int, auth: bool) -> Path:
    conf = folder / f"tinyproxy-{port}.conf"
    lines = [f"Port {port}", "Listen 10.77.0.3", "Timeout 10", "User nobody", "Group nogroup",
             "Allow 10.0.0.0/8", "Allow 127.0.0.1", "ConnectPort 443", "LogLevel Critical",
             "MaxClients 20"]
    if auth:
        lines.append(f"BasicAuth alice {PROXY_PASSWORD}")
    conf.write_text("\n".join(lines) + "\n")
    return conf


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    for tool in ("ip", "dnsmasq", "tinyproxy"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: .ci/run installs iproute2, dnsmasq-base and tinyproxy")
    name = f"dbc{uuid.uuid4().hex[:8]}"
    added = _ip("netns", "add", name, check=False)
    if added.returncode != 0:
        print(f"skip reason: no permission for network namespaces: {added.stderr.strip()}")
        pytest.skip(f"no permission for network namespaces: {added.stderr.strip()}")
    folder = tmp_path_factory.mktemp("lab")
    os.chmod(folder, 0o755)
    etc = Path("/etc/netns") / name
    children: list[subprocess.Popen[str]] = []
    try:
        etc.mkdir(parents=True)
        (etc / "resolv.conf").write_text("nameserver 10.77.0.1\n")
        (etc / "hosts").write_text("127.0.0.1 localhost\n")
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        for address in ADDRESSES:
            _ip("netns", "exec", name, "ip", "addr", "add", f"{address}/32", "dev", "lo")
        # A veth pair gives the namespace a subnet with nobody on it (for "unreachable").
        _ip("netns", "exec", name, "ip", "link", "add", "dbc0", "type", "veth", "peer", "name", "dbc1")
        _ip("netns", "exec", name, "ip", "addr", "add", "10.78.0.1/24", "dev", "dbc0")
        _ip("netns", "exec", name, "ip", "link", "set", "dbc0", "up")
        _ip("netns", "exec", name, "ip", "link", "set", "dbc1", "up")

        def start(*argv: str) -> subprocess.Popen[str]:
            child = subprocess.Popen(["ip", "netns", "exec", name, *argv], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            children.append(child)
            return child

        start("dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
              "--listen-address=10.77.0.1", "--port=53", "--pid-file=", "--log-facility=-",
              "--address=/service.test/10.77.0.2", "--address=/inspected.test/10.77.0.2",
              "--address=/captive.test/10.77.0.5", "--address=/portal.test/10.77.0.5",
              "--address=/silent.test/10.77.0.6", "--address=/refused.test/10.77.0.7",
              "--address=/nobody.test/10.78.0.9", "--address=/proxy.test/10.77.0.3",
              "--address=/inspector.test/10.77.0.4", "--address=/cutoff.test/10.77.0.8")
        servers = start(sys.executable, str(HERE / "connectivity_servers.py"), str(folder))
        assert servers.stdout is not None and servers.stdout.readline().strip() == "ready", (
            servers.stderr.read() if servers.stderr else "")
        start("tinyproxy", "-d", "-c", str(_tinyproxy_conf(folder, 3128, auth=False)))
        start("tinyproxy", "-d", "-c", str(_tinyproxy_conf(folder, 3129, auth=True)))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait until both proxies and DNS listen
            listening = _ip("netns", "exec", name, "ss", "-ltnu", check=False).stdout
            if all(s in listening for s in ("10.77.0.3:3128", "10.77.0.3:3129", "10.77.0.1:53")):
                break
            time.sleep(0.1)
        else:
            pytest.fail("dnsmasq or tinyproxy did not start in the namespace")
        (folder / "system-with-corp.pem").write_text(
            (folder / "public-ca.pem").read_text() + (folder / "corp-ca.pem").read_text())
        yield {"name": name, "folder": folder}
    finally:
        for child in children:
            child.kill()
            child.wait(timeout=10)
        _ip("netns", "del", name, check=False)
        shutil.rmtree(etc, ignore_errors=True)


def collect(lab: dict[str, Any], *args: str, env: dict[str, str] | None = None,
            system_store: str = "public-ca.pem") -> tuple[int, dict[str, Any], str, float]:
    """``diagbundle collect --only connectivity`` inside the namespace; (exit, json, summary, seconds)."""
    out = lab["folder"] / f"b-{uuid.uuid4().hex[:6]}.zip"
    base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    base["SSL_CERT_FILE"] = str(lab["folder"] / system_store)  # the injected "system" trust store
    base.update(env or {})
    started = time.monotonic()
    done = subprocess.run(["ip", "netns", "exec", lab["name"], sys.executable, "-m", "diagbundle", "collect",
                           "-o", str(out), "--only", "connectivity", "--probe-ca-bundle",
                           str(lab["folder"] / "public-ca.pem"), *args],
                          capture_output=True, text=True, timeout=120, env=base)
    seconds = time.monotonic() - started
    assert "Traceback" not in done.stderr, done.stderr
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        entry = next(c for c in manifest["collectors"] if c["name"] == "connectivity")
        assert entry["status"] == "ok", entry.get("reason")
        data = json.loads(zf.read("connectivity/connectivity.json"))
        text = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        summary = zf.read("summary.md").decode()
    assert PROXY_PASSWORD not in text and "alice" not in text
    return done.returncode, data, summary, seconds


def by_target(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["target"]: row for row in data["targets"]}


def steps(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in row["steps"]}


def test_direct_targets_and_where_each_breaks(lab):
    code, data, summary, _ = collect(
        lab, "--probe", "https://service.test/", "--probe", "https://refused.test/",
        "--probe", "https://nowhere.test/", "--probe", "https://10.99.0.1/", "--probe-budget", "20")
    assert code == 0  # a probe that finds the network blocked has done its job
    rows = by_target(data)
    ok = rows["https://service.test/"]
    assert ok["result"] == "ok" and ok["proxy"]["proxy"] is None
    tls = steps(ok)["tls"]
    assert tls["version"] in ("TLSv1.2", "TLSv1.3") and tls["alpn"] == "http/1.1"
    assert tls["verifies_with_public_cas"] is True and tls["verifies_with_system_store"] is True
    assert tls["chain"][0]["issuer"] == "Public Test Root CA" and "service.test" in tls["chain"][0]["sans"]
    assert steps(ok)["http"]["status"] == 200
    assert [a[:6] for a in steps(ok)["dns"]["addresses"]] == ["<ipv4-"]  # addresses are PII: pseudonyms
    assert ok["verdicts"] == [] and ok["captive_portal"]["suspected"] is False
    refused, nowhere = rows["https://refused.test/"], rows["https://nowhere.test/"]
    assert (refused["broke_at"], refused["kind"]) == ("tcp", "refused")
    assert (nowhere["broke_at"], nowhere["kind"]) == ("dns", "dns")
    unroutable = data["targets"][3]
    assert unroutable["target"].startswith("https://<ipv4-") and unroutable["kind"] == "unreachable"
    assert "- https://service.test/: OK via direct (DNS" in summary
    assert "- https://refused.test/: FAILED at tcp via direct: refused.test refused the connection" in summary


def test_hanging_server_ends_within_the_budget(lab):
    code, data, _, _ = collect(lab, "--probe", "https://silent.test/", "--probe-budget", "3")
    row = data["targets"][0]
    assert (code, row["broke_at"], row["kind"]) == (0, "tls", "timeout")
    assert row["seconds"] <= 3.6 and data["seconds"] <= 3.6, (row["seconds"], data["seconds"])
    unreachable = collect(lab, "--probe", "https://nobody.test/", "--probe-budget", "2")[1]["targets"][0]
    assert unreachable["broke_at"] == "tcp" and unreachable["seconds"] <= 2.6


def test_captive_portal_redirect(lab):
    _, data, summary, _ = collect(lab, "--probe", "http://captive.test/")
    row = data["targets"][0]
    assert row["captive_portal"]["suspected"] is True
    assert row["captive_portal"]["location"] == "http://portal.test/login?from=probe"
    assert "captive portal suspected: http:// was redirected to http://portal.test/login" in summary


def test_tls_inspection_with_the_corp_ca_installed(lab):
    _, data, summary, _ = collect(lab, "--probe", "https://inspected.test/",
                                  env={"HTTPS_PROXY": "http://inspector.test:3128"},
                                  system_store="system-with-corp.pem")
    row = data["targets"][0]
    assert row["result"] == "ok" and row["proxy"]["proxy"] == "http://inspector.test:3128", (
        row.get("kind"), row.get("message"), row.get("steps", [])[-1:])
    assert steps(row)["proxy"]["status"] == 200 and steps(row)["proxy"]["proxy_agent"] == "corp-inspector"
    tls = steps(row)["tls"]
    assert tls["verifies_with_system_store"] is True and tls["verifies_with_public_cas"] is False
    assert tls["chain"][0]["issuer"] == "Corp Inspection CA"
    assert row["verdicts"] == ["TLS inspection suspected: issuer Corp Inspection CA"]
    assert "- https://inspected.test/: TLS inspection suspected: issuer Corp Inspection CA" in summary


def test_tls_inspection_without_the_corp_ca(lab):
    _, data, _, _ = collect(lab, "--probe", "https://inspected.test/",
                            env={"HTTPS_PROXY": "http://inspector.test:3128"})
    row = data["targets"][0]
    assert (row["broke_at"], row["kind"]) == ("tls", "tls-inspection")
    assert row["verdicts"] == ["TLS inspection suspected: issuer Corp Inspection CA"]
    assert "http" not in steps(row)  # an unverified connection is never used


def test_plain_proxy_and_proxy_authentication(lab):
    _, data, _, _ = collect(lab, "--probe", "https://service.test/",
                            env={"https_proxy": "http://proxy.test:3128"})
    row = data["targets"][0]
    assert row["result"] == "ok" and steps(row)["proxy"]["status"] == 200
    assert steps(row)["tcp"]["to"] == "proxy" and steps(row)["tls"]["verifies_with_public_cas"] is True

    _, data, summary, _ = collect(lab, "--probe", "https://service.test/",
                                  env={"https_proxy": "http://proxy.test:3129"})
    row = data["targets"][0]
    assert (row["broke_at"], row["kind"]) == ("proxy", "proxy-auth")
    assert steps(row)["proxy"]["status"] == 407
    assert "the proxy asks for a user name and password (HTTP 407)" in summary

    _, data, _, _ = collect(lab, "--probe", "https://service.test/", "--probe", "http://service.test/",
                            env={"https_proxy": f"http://alice:{PROXY_PASSWORD}@proxy.test:3129",
                                 "http_proxy": f"http://alice:{PROXY_PASSWORD}@proxy.test:3129"})
    rows = by_target(data)
    assert rows["https://service.test/"]["result"] == "ok"
    assert rows["https://service.test/"]["proxy"] == {
        "proxy": "http://[REDACTED:userinfo]@proxy.test:3129", "source": "env",
        "reason": "https_proxy of environment variables", "credentials": True}
    assert rows["http://service.test/"]["result"] == "ok"
    assert steps(rows["http://service.test/"])["http"]["status"] == 200


def test_pac_url_from_gnome_is_fetched_and_evaluated_with_dns(lab, tmp_path):
    """GNOME in auto mode names a PAC URL: the probe fetches it, evaluates it with name lookups on
    (dnsResolve reaches the namespace's dnsmasq) and goes through the proxy it returns."""
    config = lab["folder"] / f"xdg-{uuid.uuid4().hex[:6]}"
    env = {"GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": str(config)}
    for key, value in (("mode", "auto"), ("autoconfig-url", "http://service.test/proxy.pac")):
        subprocess.run(["gsettings", "set", "org.gnome.system.proxy", key, value], check=True,
                       env={**os.environ, **env}, capture_output=True, timeout=10)
    _, data, _, _ = collect(lab, "--probe", "https://service.test/", env=env)
    row = data["targets"][0]
    assert row["proxy"]["source"] == "gnome" and row["proxy"]["proxy"] == "http://proxy.test:3128"
    assert row["proxy"]["reason"] == ("PAC http://service.test/proxy.pac returned "
                                      "'PROXY proxy.test:3128; DIRECT'")
    assert row["result"] == "ok" and steps(row)["proxy"]["status"] == 200

    pac_file = lab["folder"] / "direct.pac"
    pac_file.write_text('function FindProxyForURL(url, host) { return "DIRECT"; }\n')
    _, data, _, _ = collect(lab, "--probe", "https://service.test/", "--pac", str(pac_file))
    row = data["targets"][0]
    assert (row["proxy"]["source"], row["proxy"]["proxy"]) == ("pac-file", None)
    assert row["result"] == "ok"


def test_upload_throughput(lab):
    _, data, summary, _ = collect(lab, "--probe", "https://service.test/", "--probe-upload", "2M")
    upload = steps(data["targets"][0])["upload"]
    assert upload["status"] == 201 and upload["sent_bytes"] == 2 << 20
    assert upload["throughput_bytes_per_second"] > 0
    assert "MB/s up" in summary


def test_upload_cut_off_by_a_middlebox(lab):
    _, data, summary, _ = collect(lab, "--probe", "https://cutoff.test/", "--probe-upload", "8M")
    row = data["targets"][0]
    assert steps(row)["http"]["status"] == 200  # downloads work ...
    upload = steps(row)["upload"]  # ... the upload is cut off
    assert (row["broke_at"], row["kind"]) == ("upload", "reset"), upload["failure"]
    assert 256 << 10 <= upload["sent_bytes"] < 8 << 20 and upload["upload_bytes"] == 8 << 20
    assert "FAILED at upload via direct: the connection to cutoff.test was cut off" in summary


def test_offline_skips_the_probe(lab):
    out = lab["folder"] / "offline.zip"
    done = subprocess.run(["ip", "netns", "exec", lab["name"], sys.executable, "-m", "diagbundle", "collect",
                           "-o", str(out), "--only", "connectivity", "--offline", "--probe",
                           "https://service.test/", "--json"], capture_output=True, text=True, timeout=60)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert not [n for n in zf.namelist() if n.startswith("connectivity/")]
    entry = next(c for c in manifest["collectors"] if c["name"] == "connectivity")
    assert entry["status"] == "skipped" and "offline" in entry["reason"]
    assert "Traceback" not in done.stderr


def test_not_on_by_default(tmp_path):
    from diagbundle.testing import build_bundle

    bundle = build_bundle(tmp_path, only="connectivity")
    assert bundle.collector("connectivity")["status"] == "skipped"
    assert bundle.collector("connectivity")["reason"].startswith("no --probe targets given")


def test_targets_from_the_config_file(tmp_path, monkeypatch):
    """[probe] targets in config.toml: the core accepts the table, the probe runs (loopback only)."""
    from diagbundle.testing import build_bundle

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "diagbundle").mkdir(parents=True)
    config = tmp_path / "config" / "diagbundle" / "config.toml"
    config.write_text('[probe]\ntargets = ["https://localhost:1/health"]\n')
    bundle = build_bundle(tmp_path, only="connectivity,network")
    row = bundle.json("connectivity/connectivity.json")["targets"][0]
    assert (row["target"], row["broke_at"], row["kind"]) == ("https://localhost:1/health", "tcp", "refused")
    effective = bundle.json("network/network.json")["proxy"]["effective"]
    assert effective[0]["target"] == "https://localhost:1/health"
    config.write_text('[probe]\ntarget = ["typo"]\n')
    (tmp_path / "x").mkdir()
    with pytest.raises(UsageError, match=r"unknown \[probe\] setting\(s\): target"):
        build_bundle(tmp_path / "x", only="connectivity")
    assert not list((tmp_path / "x").iterdir())  # nothing written


def test_bad_probe_input_is_one_line(tmp_path):
    for args in (["--probe", "ftp://x/"], ["--probe", "https://x/", "--probe-upload", "lots"],
                 ["--probe", "https://x/", "--probe-budget", "-1"],
                 ["--probe", "https://x/", "--pac", str(tmp_path / "missing.pac")]):
        done = subprocess.run([sys.executable, "-m", "diagbundle", "collect", "-o", str(tmp_path / "b.zip"),
                               "--only", "connectivity", *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and done.stderr.startswith("diagbundle: error: --p"), done.stderr
        assert "Traceback" not in done.stderr and not (tmp_path / "b.zip").exists()


def test_credentials_are_found_where_strip_userinfo_cuts():
    assert probe.credentials_from("http://alice:pa/ss@w%25rd@proxy:3128") == ("alice", "pa/ss@w%rd")
    assert probe.credentials_from("http://proxy:3128") == (None, None)
    assert upload_size("4M") == 4 << 20 and upload_size(None) is None
    with pytest.raises(UsageError):
        upload_size("65M")


def test_dry_run_lists_what_the_probe_would_contact():
    done = subprocess.run([sys.executable, "-m", "diagbundle", "collect", "--dry-run", "--only",
                           "connectivity", "--probe", "https://user:pw@api.example.com/health"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "from https://[REDACTED:userinfo]@api.example.com/health" in done.stdout
    assert "from http://api.example.com/ (captive-portal check)" in done.stdout
    assert "pw@" not in done.stdout


def test_socks_proxy_is_said_not_probed(tmp_path, monkeypatch):
    from diagbundle.testing import build_bundle

    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ALL_PROXY", "socks5h://bob:s3/cr@t@127.0.0.1:1")
    bundle = build_bundle(tmp_path, only="connectivity", probe=["https://localhost:1/"])
    row = bundle.json("connectivity/connectivity.json")["targets"][0]
    assert row["result"] == "not probed" and row["proxy"]["proxy"] == "socks5h://[REDACTED:userinfo]@127.0.0.1:1"
    assert "s3/cr" not in bundle.text("summary.md") + bundle.text("connectivity/connectivity.json")
