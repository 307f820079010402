"""The browsers diagbundle knows, and how each one shows up on each platform.

Data only: names of binaries, app bundles, registry keys, desktop files
and ProgIds, with the family and channel each one means.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    platforms: frozenset[str]


_ALL = frozenset({"linux", "darwin", "win32"})
FAMILIES: tuple[Family, ...] = (
    Family("chrome", "Google Chrome", _ALL),
    Family("chromium", "Chromium", _ALL),
    Family("edge", "Microsoft Edge", _ALL),
    Family("firefox", "Firefox", _ALL),
    Family("safari", "Safari", frozenset({"darwin"})),
    Family("brave", "Brave", _ALL),
    Family("opera", "Opera", _ALL),
    Family("vivaldi", "Vivaldi", _ALL),
)
BY_KEY = {f.key: f for f in FAMILIES}

# -- Linux ---------------------------------------------------------------------
#: Commands looked up on PATH: (command, family, channel). Firefox's channel is
#: refined from the install's channel-prefs.js.
LINUX_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("google-chrome-stable", "chrome", "stable"), ("google-chrome", "chrome", "stable"),
    ("google-chrome-beta", "chrome", "beta"), ("google-chrome-unstable", "chrome", "dev"),
    ("google-chrome-canary", "chrome", "canary"),
    ("chromium", "chromium", "stable"), ("chromium-browser", "chromium", "stable"),
    ("microsoft-edge-stable", "edge", "stable"), ("microsoft-edge", "edge", "stable"),
    ("microsoft-edge-beta", "edge", "beta"), ("microsoft-edge-dev", "edge", "dev"),
    ("firefox", "firefox", "release"), ("firefox-esr", "firefox", "esr"),
    ("firefox-beta", "firefox", "beta"), ("firefox-developer-edition", "firefox", "developer"),
    ("firefox-nightly", "firefox", "nightly"),
    ("brave-browser-stable", "brave", "release"), ("brave-browser", "brave", "release"),
    ("brave", "brave", "release"), ("brave-browser-beta", "brave", "beta"),
    ("brave-browser-nightly", "brave", "nightly"),
    ("opera", "opera", "stable"), ("opera-beta", "opera", "beta"),
    ("opera-developer", "opera", "developer"),
    ("vivaldi-stable", "vivaldi", "stable"), ("vivaldi", "vivaldi", "stable"),
    ("vivaldi-snapshot", "vivaldi", "snapshot"),
)

#: Snap names: (snap, family, channel).
SNAPS: tuple[tuple[str, str, str], ...] = (
    ("firefox", "firefox", "release"), ("chromium", "chromium", "stable"),
    ("brave", "brave", "release"), ("opera", "opera", "stable"), ("opera-beta", "opera", "beta"),
    ("vivaldi", "vivaldi", "stable"),
)

#: Flatpak application ids: (id, family, channel).
FLATPAKS: tuple[tuple[str, str, str], ...] = (
    ("org.mozilla.firefox", "firefox", "release"), ("org.chromium.Chromium", "chromium", "stable"),
    ("com.google.Chrome", "chrome", "stable"), ("com.google.ChromeDev", "chrome", "dev"),
    ("com.microsoft.Edge", "edge", "stable"), ("com.brave.Browser", "brave", "release"),
    ("com.opera.Opera", "opera", "stable"), ("com.vivaldi.Vivaldi", "vivaldi", "stable"),
)

#: Firefox's app.update.channel (defaults/pref/channel-prefs.js) to our channel names.
FIREFOX_CHANNELS = {"release": "release", "esr": "esr", "beta": "beta", "aurora": "developer",
                    "nightly": "nightly"}

#: Desktop file ids (the default-browser answer on Linux) to (family, channel).
DESKTOP_IDS: dict[str, tuple[str, str]] = {
    "google-chrome.desktop": ("chrome", "stable"),
    "google-chrome-beta.desktop": ("chrome", "beta"),
    "google-chrome-unstable.desktop": ("chrome", "dev"),
    "com.google.Chrome.desktop": ("chrome", "stable"),
    "chromium.desktop": ("chromium", "stable"),
    "chromium-browser.desktop": ("chromium", "stable"),
    "chromium_chromium.desktop": ("chromium", "stable"),
    "org.chromium.Chromium.desktop": ("chromium", "stable"),
    "microsoft-edge.desktop": ("edge", "stable"),
    "microsoft-edge-beta.desktop": ("edge", "beta"),
    "microsoft-edge-dev.desktop": ("edge", "dev"),
    "com.microsoft.Edge.desktop": ("edge", "stable"),
    "firefox.desktop": ("firefox", "release"),
    "firefox-esr.desktop": ("firefox", "esr"),
    "firefox_firefox.desktop": ("firefox", "release"),
    "org.mozilla.firefox.desktop": ("firefox", "release"),
    "firefox-developer-edition.desktop": ("firefox", "developer"),
    "firefox-nightly.desktop": ("firefox", "nightly"),
    "brave-browser.desktop": ("brave", "release"),
    "brave_brave.desktop": ("brave", "release"),
    "com.brave.Browser.desktop": ("brave", "release"),
    "opera.desktop": ("opera", "stable"),
    "opera_opera.desktop": ("opera", "stable"),
    "com.opera.Opera.desktop": ("opera", "stable"),
    "vivaldi-stable.desktop": ("vivaldi", "stable"),
    "vivaldi-snapshot.desktop": ("vivaldi", "snapshot"),
    "com.vivaldi.Vivaldi.desktop": ("vivaldi", "stable"),
}

# -- macOS ---------------------------------------------------------------------
#: App bundles: (bundle name, CFBundleIdentifier, family, channel).
MAC_APPS: tuple[tuple[str, str, str, str], ...] = (
    ("Google Chrome.app", "com.google.Chrome", "chrome", "stable"),
    ("Google Chrome Beta.app", "com.google.Chrome.beta", "chrome", "beta"),
    ("Google Chrome Dev.app", "com.google.Chrome.dev", "chrome", "dev"),
    ("Google Chrome Canary.app", "com.google.Chrome.canary", "chrome", "canary"),
    ("Chromium.app", "org.chromium.Chromium", "chromium", "stable"),
    ("Microsoft Edge.app", "com.microsoft.edgemac", "edge", "stable"),
    ("Microsoft Edge Beta.app", "com.microsoft.edgemac.Beta", "edge", "beta"),
    ("Microsoft Edge Dev.app", "com.microsoft.edgemac.Dev", "edge", "dev"),
    ("Microsoft Edge Canary.app", "com.microsoft.edgemac.Canary", "edge", "canary"),
    ("Firefox.app", "org.mozilla.firefox", "firefox", "release"),
    ("Firefox Developer Edition.app", "org.mozilla.firefoxdeveloperedition", "firefox",
     "developer"),
    ("Firefox Nightly.app", "org.mozilla.nightly", "firefox", "nightly"),
    ("Safari.app", "com.apple.Safari", "safari", "release"),
    ("Safari Technology Preview.app", "com.apple.SafariTechnologyPreview", "safari",
     "technology-preview"),
    ("Brave Browser.app", "com.brave.Browser", "brave", "release"),
    ("Brave Browser Beta.app", "com.brave.Browser.beta", "brave", "beta"),
    ("Brave Browser Nightly.app", "com.brave.Browser.nightly", "brave", "nightly"),
    ("Opera.app", "com.operasoftware.Opera", "opera", "stable"),
    ("Opera Beta.app", "com.operasoftware.OperaNext", "opera", "beta"),
    ("Opera Developer.app", "com.operasoftware.OperaDeveloper", "opera", "developer"),
    ("Opera GX.app", "com.operasoftware.OperaGX", "opera", "gx"),
    ("Vivaldi.app", "com.vivaldi.Vivaldi", "vivaldi", "stable"),
    ("Vivaldi Snapshot.app", "com.vivaldi.Vivaldi.snapshot", "vivaldi", "snapshot"),
)
MAC_BUNDLE_IDS = {bundle_id.lower(): (family, channel) for _, bundle_id, family, channel in MAC_APPS}

# -- Windows -------------------------------------------------------------------
#: Omaha-style updater client GUIDs: (updater key below SOFTWARE, GUID, family, channel).
WIN_UPDATE_CLIENTS: tuple[tuple[str, str, str, str], ...] = (
    (r"Google\Update", "{8A69D345-D564-463c-AFF1-A69D9E530F96}", "chrome", "stable"),
    (r"Google\Update", "{8237E44A-0054-442C-B6B6-EA0509993955}", "chrome", "beta"),
    (r"Google\Update", "{401C381F-E0DE-4B85-8BD8-3F3F14FBDA57}", "chrome", "dev"),
    (r"Google\Update", "{4EA16AC7-FD5A-47C3-875B-DBF4A2008C20}", "chrome", "canary"),
    (r"Microsoft\EdgeUpdate", "{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}", "edge", "stable"),
    (r"Microsoft\EdgeUpdate", "{2CD8A007-E189-409D-A2C8-9AF4EF3C72AA}", "edge", "beta"),
    (r"Microsoft\EdgeUpdate", "{0D50BFEC-CD6A-4F9A-964C-C7416E3ACB10}", "edge", "dev"),
    (r"Microsoft\EdgeUpdate", "{65C35B14-6C1D-4122-AC46-7148CC9D6497}", "edge", "canary"),
    (r"BraveSoftware\Update", "{AFE6A462-C574-4B8A-AF43-4CC60DF4563B}", "brave", "release"),
    (r"BraveSoftware\Update", "{103BD053-949B-43A8-9120-2E424887DE11}", "brave", "beta"),
    (r"BraveSoftware\Update", "{C6CB981E-DB30-4876-8639-109F8933582C}", "brave", "nightly"),
)

#: BLBeacon keys (below HKCU\SOFTWARE) that a Chromium-based browser updates when it runs.
WIN_BEACONS: tuple[tuple[str, str, str], ...] = (
    (r"Google\Chrome\BLBeacon", "chrome", "stable"),
    (r"Google\Chrome Beta\BLBeacon", "chrome", "beta"),
    (r"Google\Chrome Dev\BLBeacon", "chrome", "dev"),
    (r"Google\Chrome SxS\BLBeacon", "chrome", "canary"),
    (r"Chromium\BLBeacon", "chromium", "stable"),
    (r"Microsoft\Edge\BLBeacon", "edge", "stable"),
    (r"Microsoft\Edge Beta\BLBeacon", "edge", "beta"),
    (r"Microsoft\Edge Dev\BLBeacon", "edge", "dev"),
    (r"Microsoft\Edge SxS\BLBeacon", "edge", "canary"),
    (r"BraveSoftware\Brave-Browser\BLBeacon", "brave", "release"),
    (r"BraveSoftware\Brave-Browser-Beta\BLBeacon", "brave", "beta"),
    (r"BraveSoftware\Brave-Browser-Nightly\BLBeacon", "brave", "nightly"),
)

#: Uninstall entries: (DisplayName prefix, family, channel, executable). Longest first.
WIN_UNINSTALL: tuple[tuple[str, str, str, str], ...] = (
    ("Google Chrome Beta", "chrome", "beta", "chrome.exe"),
    ("Google Chrome Dev", "chrome", "dev", "chrome.exe"),
    ("Google Chrome Canary", "chrome", "canary", "chrome.exe"),
    ("Google Chrome", "chrome", "stable", "chrome.exe"),
    ("Chromium", "chromium", "stable", "chrome.exe"),
    ("Microsoft Edge Beta", "edge", "beta", "msedge.exe"),
    ("Microsoft Edge Dev", "edge", "dev", "msedge.exe"),
    ("Microsoft Edge Canary", "edge", "canary", "msedge.exe"),
    ("Microsoft Edge", "edge", "stable", "msedge.exe"),
    ("Mozilla Firefox ESR", "firefox", "esr", "firefox.exe"),
    ("Mozilla Firefox", "firefox", "release", "firefox.exe"),
    ("Firefox Developer Edition", "firefox", "developer", "firefox.exe"),
    ("Firefox Nightly", "firefox", "nightly", "firefox.exe"),
    ("Brave Beta", "brave", "beta", "brave.exe"),
    ("Brave Nightly", "brave", "nightly", "brave.exe"),
    ("Brave", "brave", "release", "brave.exe"),
    ("Opera GX", "opera", "gx", "opera.exe"),
    ("Opera beta", "opera", "beta", "opera.exe"),
    ("Opera developer", "opera", "developer", "opera.exe"),
    ("Opera Stable", "opera", "stable", "opera.exe"),
    ("Opera", "opera", "stable", "opera.exe"),
    ("Vivaldi", "vivaldi", "stable", "vivaldi.exe"),
)

#: Executable names (StartMenuInternet commands) to families.
WIN_EXES = {"chrome.exe": "chrome", "msedge.exe": "edge", "firefox.exe": "firefox",
            "brave.exe": "brave", "opera.exe": "opera", "launcher.exe": "opera",
            "vivaldi.exe": "vivaldi"}

#: UserChoice ProgId prefixes to (family, channel). Longest match wins.
WIN_PROGIDS: tuple[tuple[str, str, str], ...] = (
    ("ChromeBHTML", "chrome", "beta"), ("ChromeDHTML", "chrome", "dev"),
    ("ChromeSSHTM", "chrome", "canary"), ("ChromeHTML", "chrome", "stable"),
    ("ChromiumHTM", "chromium", "stable"),
    ("MSEdgeBHTML", "edge", "beta"), ("MSEdgeDHTML", "edge", "dev"),
    ("MSEdgeCHTML", "edge", "canary"), ("MSEdgeHTM", "edge", "stable"),
    ("FirefoxURL", "firefox", "release"),
    ("BraveBHTML", "brave", "beta"), ("BraveSSHTM", "brave", "nightly"),
    ("BraveHTML", "brave", "release"),
    ("OperaGXStable", "opera", "gx"), ("OperaStable", "opera", "stable"),
    ("VivaldiHTM", "vivaldi", "stable"),
)

# -- Policies ------------------------------------------------------------------
#: Chromium policy names that set a proxy.
CHROMIUM_PROXY_POLICIES = ("ProxyMode", "ProxyServer", "ProxyPacUrl", "ProxyBypassList",
                           "ProxyServerMode", "ProxySettings")
#: Firefox's Proxy policy members.
FIREFOX_PROXY_KEYS = ("Mode", "Locked", "HTTPProxy", "UseHTTPProxyForAllProtocols", "SSLProxy",
                      "FTPProxy", "SOCKSProxy", "SOCKSVersion", "Passthrough", "AutoConfigURL",
                      "AutoLogin", "UseProxyForDNS")
