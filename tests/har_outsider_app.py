# ruff: noqa: E501  (the app's HTML and JavaScript are kept as a browser gets them)
"""A second recorded session, written from the outside: a shop-like app on loopback.

Unlike :mod:`har_recorder` (one OAuth dance and a handful of calls), this app
spreads its credentials over every place a real capture has them: cookies the
server sets (two joined with ``, ``, one with an ``Expires`` date) and the
browser sends back, bearer, basic and API-key headers (``X-Api-Key``,
``apikey``, ``X-Goog-Api-Key``), tokens in query strings, in a ``Location``
fragment, in relative and custom-scheme redirects, form posts, JSON request
bodies, token responses (JWTs included), GraphQL variables and literals, a
WebSocket subprotocol and messages both ways, server-sent events, multipart
uploads (one with a mismatched boundary), hidden inputs, ``<meta>`` tags,
``__NEXT_DATA__`` and ``window.__CONFIG__`` in HTML and JavaScript, and
redux-persist style JSON-in-JSON state. Next to them sits the evidence support
reads: error codes, request and trace IDs, status codes as numbers, versions,
git SHAs, chunk names, S3 keys, timings.

:data:`CREDENTIALS` names each planted secret, :data:`EVIDENCE` each piece of
evidence (as it must appear in some string of the sanitized HAR);
:func:`record` runs the session in Debian's Chromium through Playwright.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from har_recorder import CHROMIUM, CHROMIUM_ARGS, closed_port, serving


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any], key: str) -> str:
    """An HS256 JWT (its signature is what must never survive)."""
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k-2024"}).encode())
    body = _b64url(json.dumps(claims).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64url(sig)}"


#: name -> planted value; none may survive sanitizing, in any spelling.
CREDENTIALS: dict[str, str] = {
    "session cookie (joined Set-Cookie, 1st)": "s3ssQ9vLx2Rk7Tn4Wm8Pz1Yb",
    "csrf cookie (joined Set-Cookie, 2nd)": "csrfC00k7Jh3Ng8Fd2Sa6Ql0",
    "refresh cookie with Expires": "rfshCk5Tg9Yh3Uj7Ik1Ol4Pm",
    "hidden csrf input": "hiddenCsrf4Xc8Vb2Nm6Lk0Jh",
    "meta csrf-token": "metaCsrf7Gf3Ds9Ap1Qw5Er8Ty",
    "viewstate hidden input": "dDwtMTA4MzE0MjEwNTs7PvSecretVS9k2",
    "login password (form)": "blue Mango 77 tide!",
    "login otp (form)": "482913",
    "oauth state": "af0ifjsldkj",
    "oauth nonce": "n-0S6_WzA2Mj",
    "oauth code (relative Location)": "SplxlOBeZQQYbYS6WxSbIA",
    "oauth code (custom scheme Location)": "nAtIvEc0d3Zq8Wx5Yv2Ut",
    "access token in Location fragment": "fragAcc3ss9Kd7Lf5Mg3Nh1",
    "refresh_token in JSON request": "rtReq8Hb4Jc0Kd6Le2Mf9Ng3",
    "client_secret in JSON request": "cs_Zq1Xw2Ec3Rv4Tb5Yn6Um7",
    "refresh_token in JSON response": "rtResp2Pq6Rs0Tu4Vw8Xy3Za",
    "jwt signature (access_token)": "",  # filled below
    "jwt private claim (sid)": "sidInJwt7Yt3Re9Wq1Ui5",
    "bearer opaque token": "opaqueBrr9Mk2Nj5Bh8Vg1Cf4",
    "x-api-key header": "xak_5Fh9Gj3Kl7Zx1Cv6Bn0Mq",
    "apikey header": "supaKey2Wd6Ef0Rg4Th8Yj3Uk",
    "x-goog-api-key header": "AIzaSyD3x4mPl3K3yF0rT3st1ng-Abc_dEfGh",
    "basic auth password": "b4s1cPw-Lo9Ki8",
    "api_key in query": "qak8Ju7Hy6Gt5Fr4De3Sw2",
    "key= in query (google)": "AIzaSyQu3ryK3yXw9Vb8Nm7Lk6Jh5Gf4Ds3Aa",
    "sig in query": "sigQ7Aw3Se9Dr5Ft1Gy6Hu2",
    "presigned X-Amz-Signature": "4f1a9c2e7b3d5f8a0c6e2b9d1f7a3c5e8b0d2f4a6c8e1b3d5f7a9c0e2b4d6f8a",
    "presigned X-Amz-Security-Token": "FwoGZXIvYXdzEXAMPLETOKEN7Rt4Yu1Io8Pa5",
    "graphql variable password": "gqlPw-Tr0ub4dor&3",
    "graphql literal token": "gqlLit9Ws3Ed7Rf1Tg5Yh",
    "graphql response token": "gqlResp4Kj8Lh2Mg6Nf0Bd",
    "graphql GET variables token": "gqlGet6Vc0Xz4As8Df2Gh",
    "websocket subprotocol token": "wsProto5Lp9Ok3Ij7Uh1Yg",
    "websocket client message token": "wsInit2Mn6Bv0Cx4Za8Sq",
    "websocket server message token": "wsSrv8Qa4Ws0Ed6Rf2Tg9",
    "sse data token": "sseTok3Yh7Uj1Ik5Ol9Pm",
    "sse non-json data token": "sseTxt6Rt0Ey4Wu8Qi2",
    "multipart file secret (mismatched boundary)": "mpFileSecret9Az3Sx7Dc1",
    "multipart api_token field": "mpField4Fv8Gb2Hn6Jm0",
    "formdata password field": "fdPass-Wq7Er3Ty!",
    "formdata free text token=": "fdFile5Ui9Op3As7Df1",
    "window.__CONFIG__ apiKey (html)": "cfgKeyHtml3Nm7Bv1Cx5Zq",
    "window.__CONFIG__ clientSecret (js)": "cfgSecJs8Lk2Jh6Gf0Ds4",
    "js fetch X-Api-Key literal": "jsHdrKey1Qa5Zs9Xd3Ce7",
    "__NEXT_DATA__ accessToken": "nextAcc7Vf1Bg5Nh9Mj3",
    "localStorage JSON-in-JSON token": "lsTok4Rf8Tg2Yh6Uj0Ik",
    "response session id in JSON": "respSid9Ol3Pk7Ij1Uh5",
    "response X-Auth-Token header": "xAuthResp6Yg0Tf4Rd8Es",
    "password reset path token": "rstPathTok2Wq6Er0Ty4Ui8Op",
    "stripe live secret key in JSON": "sk_live_51HxAbCdEfGhIjKlMnOpQrSt",
    "user password in JSON request": "Winter2024!Secure",
    "download token= in HTML link": "dlTok3Mn7Bv1Cx5Za",
    "JSON name/value pair Authorization": "nvAuth5Gt9Hy3Ju7Ki1",
    "JSON key/value pair password (Postman)": "nv-Pass word 42",
    "JSON env pair DB_PASSWORD": "nvEnvDb8Ol2Ik6",
    "localStorage.setItem authToken (js)": "lsSet3Ed7Cv1Bn5Mq9",
    "setRequestHeader X-Api-Key (js)": "xhrKey6Wa0Sz4Xd8",
    "STS WebIdentityToken (form)": "webIdTok2Qs6Ax0Zc4Fv8",
    "STS SecretAccessKey (xml)": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "STS SessionToken (xml)": "IQoJb3JpZ2luX2VjEXAMPLESESSION9Yh3Ujm",
    "SOAP wsse:Password (xml)": "soapPw-Blue77",
    "code in a relative URL in JSON": "relJsonCode4Tg8Yh2",
    "state in a relative URL in JSON": "plainlettersstate",
    "token in a JSON path string": "pathJsonTok5Rf9Ed3Ws7Qa1",
    "session id as a JSON map key": "mapKeySess8Ik2Ol6Pk0Uj4Yh",
    "code in an HTML href (&amp;)": "hrefCode3Ws7Ed1",
    "two-string header list X-Api-Key": "tupleKey6Yh0Uj4",
    "form string in JSON: code": "formJsonCode2Ik6Ol0",
    "form string in JSON: state": "formjsonstateword",
    "base64 JSON blob accessToken": "b64BlobTok9Pl3Ok7Ij1",
    "authorization JSON key, no scheme": "authKeyNoScheme5Rd9",
    "textarea named api_key (html)": "textareaKey2Ws6Ed0",
    "code in a meta refresh URL (html)": "metaRefreshCode8Uj2",
    "code in a relative URL in SSE text": "sseUrlCode5Tg1Yh7",
    "state in an absolute HTML URL (&amp;)": "absolutehrefstate",
    "websocket subprotocol after Bearer": "wsShort9Tk",
}

JWT_SIGNING_KEY = "not-planted-only-signs"
ACCESS_JWT = make_jwt({"iss": "https://auth.shop.test", "aud": "shop-api", "sub": "user-42",
                       "exp": 1893456000, "iat": 1700000000,
                       "sid": CREDENTIALS["jwt private claim (sid)"]}, JWT_SIGNING_KEY)
CREDENTIALS["jwt signature (access_token)"] = ACCESS_JWT.rsplit(".", 1)[1]

GIT_SHA = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"
CHUNK = "vendors-node_modules_lodash_lodash_js.8a7b6c5d4e3f2a1b.chunk.js"
JOB_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"

#: name -> a value support needs, exactly as it must appear in a string of the sanitized HAR.
EVIDENCE: dict[str, str] = {
    # JSON error bodies
    "openai error code": '"code":"model_not_found"',
    "openai error type": '"type":"invalid_request_error"',
    "google numeric code": '"code":403',
    "google status": '"status":"PERMISSION_DENIED"',
    "google message": '"message":"Permission denied on resource project shop-prod."',
    "fastapi loc": '"loc":["body","email"]',
    "fastapi msg": '"msg":"field required"',
    "problem title": '"title":"Internal Server Error"',
    "problem status number": '"status":500',
    "problem traceId": '"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"',
    "oauth error": '"error":"invalid_grant"',
    "oauth error_description": '"error_description":"Refresh token expired"',
    "statusCode number": '"statusCode":400',
    "exitCode number": '"exitCode":137',
    "countryCode": '"countryCode":"FR"',
    "errorCode": '"errorCode":"E_QUOTA"',
    "job state": '"state":"SUCCEEDED"',
    "graphql extensions code": '"code":"FORBIDDEN"',
    "graphql error path": '"path":["viewer","orders"]',
    # token responses
    "token_type": '"token_type":"Bearer"',
    "expires_in": '"expires_in":3600',
    "expiresIn under token": '"expiresIn":900',
    "scope": '"scope":"openid profile orders:read"',
    "grant_type": '"grant_type":"refresh_token"',
    "client_id": '"client_id":"shop-web"',
    # other JSON
    "S3 Key": '"Key":"logs/2024/05/app-server.log"',
    "S3 Key named by its digest": '"Key":"uploads/8f14e45fceea167a5a36dedd4bea2543.png"',
    "s3 key": '"key":"uploads/avatars/user-42.png"',
    "primaryKey": '"primaryKey":"order_id"',
    "sha in JSON": f'"sha":"{GIT_SHA}"',
    "version in JSON": '"version":"5.6.7"',
    "order id": '"orderId":"ord_20240501_0042"',
    "relative URL kept": '"orders":"/api/v2/orders?page=2"',
    "values under a token map key": '{"os":"Linux","seen":3}',
    "plain two-string list kept": '["Accept","*/*"]',
    "form string grant_type kept": "grant_type=authorization_code&code=",
    "sse progress": '"progress":50',
    "ws ack type": '"type":"connection_ack"',
    "graphql query text": "mutation Login($password: String!, $otp: String) { login(password: $password, "
                          "otp: $otp) { token expiresIn } }",
    "graphql operationName": '"operationName":"Login"',
    "graphql printed query": "mutation SignUp($password: String!, $otp: String, $first: Int = 10) {\n"
                             "  signUp(input: {password: $password, otp: $otp}) {\n    token\n  }\n}",
    # headers
    "x-request-id": "req_7Hq2Lk9Xz4Mn1Bv6",
    "cf-ray": "8a1b2c3d4e5f6a7b-FRA",
    "x-amzn-requestid": "0f9e8d7c-6b5a-4e3d-9c2b-1a0f9e8d7c6b",
    "x-amz-request-id": "4442587FB7D0A2F9",
    "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
    "x-cloud-trace-context": "105445aa7843bc8bf206b12000100000/1;o=1",
    "stripe request-id": "req_Zx8Cv7Bn6Mq5Wl",
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "sentry-trace": "d4cda95b652f4a1592b449d5929fda1b-6e0c63257de34c92-1",
    "x-client-trace-id": "8e3f1a2b-9c4d-4e5f-a6b7-c8d9e0f1a2b3",
    "server": "Server: nginx/1.25.3",
    "x-envoy-upstream-service-time": "x-envoy-upstream-service-time: 12",
    "x-client-version": "3.14.159",
    "retry-after": "Retry-After: 30",
    "www-authenticate error": 'Bearer realm="shop", error="invalid_token"',
    "content-type problem": "application/problem+json",
    "x-tenant": "acme-eu",
    "rate-limit tokens remaining": "x-ratelimit-remaining-tokens: 39000",
    "rate-limit tokens reset": "x-ratelimit-reset-tokens: 6m0s",
    "rate-limit requests": "x-ratelimit-limit-requests: 500",
    "openai-processing-ms": "openai-processing-ms: 512",
    "usage prompt_tokens": '"prompt_tokens":12',
    "usage total_tokens": '"total_tokens":42',
    "max_tokens": '"max_tokens":256',
    "pair name Authorization": '"name":"Authorization"',
    "pair key password": '"key":"password"',
    "pair env name": '"name":"DB_PASSWORD"',
    "plain pair kept": '{"name":"Accept","value":"application/json"}',
    "xml error code": "<Code>AccessDenied</Code>",
    "sts AccessKeyId element": "<Expiration>2024-05-01T12:00:00Z</Expiration>",
    # URLs
    "request_id param": "request_id=req_Qw8Er7Ty6Ui5",
    "git sha in path": f"/repos/acme/shop/commit/{GIT_SHA}",
    "webpack chunk": CHUNK,
    "job uuid in path": f"/api/jobs/{JOB_ID}",
    "search query": "q=running+shoes&page=2",
    "asset version param": "app.css?v=2.3.4",
    "relative Location path": "/oauth/cb?code=",
    "custom scheme kept": "myapp://cb?code=",
    "fragment token_type": "token_type=Bearer",
    "fragment expires_in": "expires_in=3600",
    # HTML / JS (with --har-keep-bodies)
    "html generator meta": '<meta name="generator" content="ShopKit 9.1.0">',
    "js release": 'release: "2024.05.01-3b18e51"',
}
#: Evidence that only a HAR with bodies holds (HTML, JS: --har-keep-bodies only).
MARKUP_EVIDENCE = frozenset({"html generator meta", "js release"})
#: Evidence in response bodies (absent when the HAR omits content).
RESPONSE_BODY_EVIDENCE = frozenset({
    "openai error code", "openai error type", "google numeric code", "google status", "google message",
    "fastapi loc", "fastapi msg", "problem title", "problem status number", "problem traceId",
    "oauth error", "oauth error_description", "statusCode number", "exitCode number", "countryCode",
    "errorCode", "job state", "graphql extensions code", "graphql error path", "token_type", "expires_in",
    "S3 Key named by its digest",
    "expiresIn under token", "scope", "S3 Key", "s3 key", "primaryKey", "sha in JSON", "version in JSON",
    "order id", "sse progress", "relative URL kept", "values under a token map key", "usage prompt_tokens", "usage total_tokens", "xml error code",
    "sts AccessKeyId element",
}) | MARKUP_EVIDENCE

_LOGIN = f"""<!doctype html><html><head><title>Sign in - Shop</title>
<meta name="generator" content="ShopKit 9.1.0">
<meta http-equiv="refresh" content="3600; url=/oauth/cb?code={CREDENTIALS['code in a meta refresh URL (html)']}&amp;lang=en">
<meta name="csrf-token" content="{CREDENTIALS['meta csrf-token']}">
<link rel="stylesheet" href="/static/app.css?v=2.3.4">
<script>window.__CONFIG__ = {{apiKey: "{CREDENTIALS['window.__CONFIG__ apiKey (html)']}", env: "prod"}};</script>
<script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":{{"session":{{"accessToken":
"{CREDENTIALS['__NEXT_DATA__ accessToken']}","user":"alice"}}}}}},"buildId":"shop-9.1.0"}}</script>
<script src="/static/js/{CHUNK}"></script>
</head><body><form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{CREDENTIALS['hidden csrf input']}">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{CREDENTIALS['viewstate hidden input']}">
<input name="email" value="alice@shop.test">
<input type="password" name="password" id="pw"><input name="otp" id="otp">
<textarea name="api_key" readonly>{CREDENTIALS['textarea named api_key (html)']}</textarea>
<a href="/download?token={CREDENTIALS['download token= in HTML link']}">invoice</a>
<a href="/oauth/cb?lang=en&amp;code={CREDENTIALS['code in an HTML href (&amp;)']}">again</a>
<a href="https://sso.shop.test/cb?lang=en&amp;state={CREDENTIALS['state in an absolute HTML URL (&amp;)']}">sso</a>
<button id="go" type="submit">Sign in</button></form></body></html>"""

_JS = f"""/* vendors chunk */
window.__CONFIG__ = window.__CONFIG__ || {{}};
window.__CONFIG__.clientSecret = "{CREDENTIALS['window.__CONFIG__ clientSecret (js)']}";
var build = {{release: "2024.05.01-3b18e51", commit: "{GIT_SHA}"}};
localStorage.setItem("authToken", "{CREDENTIALS['localStorage.setItem authToken (js)']}");
function send(xhr) {{ xhr.setRequestHeader("X-Api-Key", "{CREDENTIALS['setRequestHeader X-Api-Key (js)']}"); }}
function ping() {{ return fetch("/api/ping", {{headers: {{"X-Api-Key": "{CREDENTIALS['js fetch X-Api-Key literal']}"}}}}); }}
"""

_APP = """<!doctype html><html><head><title>Shop</title></head><body><script>
async function j(url, init) { try { const r = await fetch(url, init); await r.text(); } catch (e) {} }
const JSONH = {'content-type': 'application/json'};
async function run(c) {
  await j('/api/token', {method: 'POST', headers: JSONH, body: JSON.stringify({
    grant_type: 'refresh_token', refresh_token: c.rtReq, client_id: 'shop-web', client_secret: c.cs})});
  const ids = {'traceparent': c.traceparent, 'sentry-trace': c.sentry, 'x-client-trace-id': c.ctid,
               'X-Client-Version': '3.14.159', 'X-Tenant': 'acme-eu'};
  await j('/api/me', {headers: {...ids, Authorization: 'Bearer ' + c.jwt}});
  await j('/api/orders', {headers: {Authorization: 'Bearer ' + c.opaque, 'X-Api-Key': c.xak}});
  await j('/rest/v1/profiles', {headers: {apikey: c.supa}});
  await j('/v1/places:search', {method: 'POST', headers: {...JSONH, 'X-Goog-Api-Key': c.goog},
    body: JSON.stringify({textQuery: 'coffee'})});
  await j('/api/basic', {headers: {Authorization: 'Basic ' + btoa('alice:' + c.basic)}});
  await j('/api/search?q=running+shoes&page=2&api_key=' + c.qak + '&request_id=req_Qw8Er7Ty6Ui5');
  await j('/maps/api/geocode/json?address=Berlin&key=' + c.gkey);
  await j('/files/report.pdf?expires=1714560000&sig=' + c.sig);
  await j('/shop-bucket/logs/app.log?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240501T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=' + encodeURIComponent(c.amzTok) + '&X-Amz-Signature=' + c.amzSig);
  await j('/graphql', {method: 'POST', headers: JSONH, body: JSON.stringify({operationName: 'Login',
    query: 'mutation Login($password: String!, $otp: String) { login(password: $password, otp: $otp) { token expiresIn } }',
    variables: {password: c.gqlPw, otp: '771204'}})});
  await j('/graphql', {method: 'POST', headers: JSONH, body: JSON.stringify({
    query: '{ viewer(token: "' + c.gqlLit + '") { orders { id } } }'})});
  await j('/graphql', {method: 'POST', headers: JSONH, body: JSON.stringify({operationName: 'SignUp',
    query: 'mutation SignUp($password: String!, $otp: String, $first: Int = 10) {\\n' +
           '  signUp(input: {password: $password, otp: $otp}) {\\n    token\\n  }\\n}',
    variables: {password: c.gqlPw, otp: '771204'}})});
  await j('/graphql?query=' + encodeURIComponent('query Q($t: String!) { me(t: $t) { id } }') +
          '&variables=' + encodeURIComponent(JSON.stringify({token: c.gqlGet})));
  await j('/api/account', {method: 'PUT', headers: JSONH, body: JSON.stringify({
    user: {email: 'alice@shop.test', password: c.userPw}, remember: true})});
  await j('/api/state', {method: 'POST', headers: JSONH, body: JSON.stringify({
    'persist:root': JSON.stringify({auth: JSON.stringify({token: c.ls, expiresAt: 1700000000})})})});
  await j('/api/webhooks', {method: 'POST', headers: JSONH, body: JSON.stringify({
    url: 'https://hooks.shop.test/in',
    headers: [{name: 'Authorization', value: 'Bearer ' + c.nvAuth}, {name: 'Accept', value: 'application/json'}],
    params: [{key: 'password', value: c.nvPw}], env: [{name: 'DB_PASSWORD', value: c.nvEnv}]})});
  await j('/api/replay', {method: 'POST', headers: JSONH, body: JSON.stringify({
    headers: [['X-Api-Key', c.tupleKey], ['Accept', '*/*']], authorization: c.authKey,
    body: 'grant_type=authorization_code&code=' + c.formCode + '&state=' + c.formState,
    persisted: btoa(JSON.stringify({accessToken: c.b64Tok, theme: 'dark'}))})});
  await j('/v1/chat/completions', {method: 'POST', headers: JSONH, body: JSON.stringify({
    model: 'gpt-x', max_tokens: 256, messages: [{role: 'user', content: 'hi'}]})});
  await j('/sts', {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: 'Action=AssumeRoleWithWebIdentity&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb&WebIdentityToken=' + c.webId});
  await j('/soap', {method: 'POST', headers: {'content-type': 'text/xml; charset=utf-8'},
    body: '<soap:Envelope><soap:Header><wsse:Security><wsse:UsernameToken><wsse:Username>alice</wsse:Username>' +
          '<wsse:Password>' + c.soapPw + '</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header>' +
          '<soap:Body><GetOrders/></soap:Body></soap:Envelope>'});
  await j('/api/billing');
  await j('/api/models/gpt-x');
  await j('/api/projects/shop-prod');
  await j('/api/signup', {method: 'POST', headers: JSONH, body: '{}'});
  await j('/api/crash');
  await j('/api/refresh');
  await j('/api/quota');
  await j('/api/jobs/' + c.job);
  await j('/api/listing');
  await j('/repos/acme/shop/commit/' + c.sha);
  await j('/reset/' + c.reset);
  await j('/api/slow');
  await j('/shop-bucket/private/data.csv');
  await j('/maintenance');
  await j('/api/upstream');
  const mp = '--realBoundary42\\r\\nContent-Disposition: form-data; name="api_token"\\r\\n\\r\\n' + c.mpField +
    '\\r\\n--realBoundary42\\r\\nContent-Disposition: form-data; name="notes"\\r\\n\\r\\nplain note' +
    '\\r\\n--realBoundary42\\r\\nContent-Disposition: form-data; name="cfg"; filename="settings.ini"\\r\\n' +
    'Content-Type: text/plain\\r\\n\\r\\n[aws]\\r\\naws_secret_access_key = ' + c.mpFile +
    '\\r\\n--realBoundary42--\\r\\n';
  await j('/upload/raw', {method: 'POST',
    headers: {'content-type': 'multipart/form-data; boundary=declaredButUnused'}, body: mp});
  const fd = new FormData();
  fd.append('username', 'alice');
  fd.append('password', c.fdPw);
  fd.append('notes', 'remember me; token=' + c.fdFile + ' please');
  await j('/upload/form', {method: 'POST', body: fd});
  try { await fetch(c.refused); } catch (e) {}
  try { await fetch(c.cors); } catch (e) {}
  await new Promise((done) => {
    const es = new EventSource('/events');
    es.onerror = () => { es.close(); done(); };
    setTimeout(() => { es.close(); done(); }, 3000);
  });
  await new Promise((done) => {
    const ws = new WebSocket(c.ws, ['graphql-transport-ws', c.wsProto, 'Bearer', c.wsShort]);
    ws.onopen = () => ws.send(JSON.stringify({type: 'connection_init', payload: {authToken: c.wsInit}}));
    let n = 0;
    ws.onmessage = () => { n += 1; if (n === 2) ws.close(); };
    ws.onclose = () => done();
    ws.onerror = () => done();
    setTimeout(done, 3000);
  });
  await new Promise((done) => {  // a navigation, so the 302 to myapp:// is recorded
    const frame = document.createElement('iframe');
    frame.src = '/oauth/native';
    document.body.appendChild(frame);
    setTimeout(done, 400);
  });
  await new Promise((done) => {  // the implicit flow: a token in the Location fragment
    const frame = document.createElement('iframe');
    frame.src = '/oauth/implicit';
    document.body.appendChild(frame);
    frame.onload = done;
    setTimeout(done, 1000);
  });
  document.title = 'done';
}
</script></body></html>"""

C = CREDENTIALS
_COMMON_IDS = {"x-request-id": EVIDENCE["x-request-id"], "cf-ray": EVIDENCE["cf-ray"],
               "Server": "nginx/1.25.3"}


def _routes_get() -> dict[str, tuple[int, Any, dict[str, str]]]:
    """GET path -> (status, JSON body, extra headers)."""
    return {
        "/api/me": (200, {"user": {"id": 42, "email": "alice@shop.test", "sessionId":
                                   C["response session id in JSON"]}, "plan": "pro",
                          "version": "5.6.7",
                          "next": f"/oauth/cb?code={C['code in a relative URL in JSON']}"
                                  f"&state={C['state in a relative URL in JSON']}",
                          "links": {"reset": f"/reset/{C['token in a JSON path string']}",
                                    "orders": "/api/v2/orders?page=2"},
                          "devices": {C["session id as a JSON map key"]: {"os": "Linux", "seen": 3}}},
                    _COMMON_IDS),
        "/api/orders": (200, {"orders": [{"orderId": "ord_20240501_0042", "primaryKey": "order_id",
                                          "total": 42.5}]},
                        {"X-Auth-Token": C["response X-Auth-Token header"],
                         "x-amzn-requestid": EVIDENCE["x-amzn-requestid"]}),
        "/rest/v1/profiles": (200, [{"id": 1, "avatar": {"key": "uploads/avatars/user-42.png"}}], {}),
        "/api/basic": (200, {"ok": True}, {}),
        "/api/search": (200, {"results": [], "page": 2}, {"x-request-id": EVIDENCE["x-request-id"]}),
        "/maps/api/geocode/json": (200, {"status": "OK", "results": []}, {}),
        "/files/report.pdf": (200, {"ok": True}, {}),
        "/shop-bucket/logs/app.log": (200, {"Contents": [{"Key": "logs/2024/05/app-server.log",
                                                          "Size": 1234},
                                                         {"Key": "uploads/8f14e45fceea167a5a36dedd4bea2543.png",
                                                          "Size": 77}]},
                                      {"x-amz-request-id": EVIDENCE["x-amz-request-id"],
                                       "x-amz-id-2": EVIDENCE["x-amz-id-2"]}),
        "/graphql": (200, {"data": {"me": None}}, {}),
        "/api/billing": (200, {"stripe": {"secretKey": C["stripe live secret key in JSON"]},
                               "currency": "eur"}, {"Request-Id": EVIDENCE["stripe request-id"]}),
        "/api/models/gpt-x": (404, {"error": {"message": "The model `gpt-x` does not exist",
                                              "type": "invalid_request_error", "param": None,
                                              "code": "model_not_found"}},
                              {"x-request-id": EVIDENCE["x-request-id"]}),
        "/api/projects/shop-prod": (403, {"error": {"code": 403, "message":
                                                    "Permission denied on resource project shop-prod.",
                                                    "status": "PERMISSION_DENIED"}},
                                    {"x-cloud-trace-context": EVIDENCE["x-cloud-trace-context"]}),
        "/api/crash": (500, {"type": "https://shop.test/problems/internal", "title": "Internal Server Error",
                             "status": 500, "detail": "database timeout after 3000 ms",
                             "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                       {"Content-Type": "application/problem+json"}),
        "/api/refresh": (401, {"error": "invalid_grant", "error_description": "Refresh token expired"},
                         {"WWW-Authenticate": EVIDENCE["www-authenticate error"]}),
        "/api/quota": (400, {"statusCode": 400, "exitCode": 137, "countryCode": "FR", "errorCode": "E_QUOTA",
                             "message": "Quota exceeded for region"},
                       {"Retry-After": "30", "x-envoy-upstream-service-time": "12"}),
        "/api/jobs/" + JOB_ID: (200, {"id": JOB_ID, "state": "SUCCEEDED", "sha": GIT_SHA}, {}),
        "/api/listing": (200, {"items": [{"key": "uploads/avatars/user-42.png"}], "next": None}, {}),
        "/repos/acme/shop/commit/" + GIT_SHA: (200, {"sha": GIT_SHA}, {}),
        "/reset/" + C["password reset path token"]: (200, {"ok": True}, {}),
        "/api/ping": (200, {"pong": True}, {}),
    }


def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str,
          headers: dict[str, str] | None = None, cookies: tuple[str, ...] = ()) -> None:
    handler.send_response(status)
    extra = dict(headers or {})
    handler.send_header("Content-Type", extra.pop("Content-Type", ctype))
    handler.send_header("Content-Length", str(len(data)))
    for name, value in extra.items():
        handler.send_header(name, value)
    for cookie in cookies:
        handler.send_header("Set-Cookie", cookie)
    handler.end_headers()
    handler.wfile.write(data)


class _App(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        _send(self, status, json.dumps(body, separators=(",", ":")).encode(), "application/json", headers)

    def _redirect(self, location: str, cookies: tuple[str, ...] = ()) -> None:
        _send(self, 302, b"", "text/plain", {"Location": location}, cookies)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        if path == "/login":
            self._redirect(f"/oauth/authorize?client_id=shop-web&state={C['oauth state']}"
                           f"&nonce={C['oauth nonce']}&redirect_uri=%2Foauth%2Fcb",
                           (f"sid={C['session cookie (joined Set-Cookie, 1st)']}; Path=/; HttpOnly, "
                            f"csrftoken={C['csrf cookie (joined Set-Cookie, 2nd)']}; Path=/",
                            f"refresh={C['refresh cookie with Expires']}; Path=/; "
                            "Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly; SameSite=Lax"))
        elif path == "/api/token":
            self._json(200, {"access_token": ACCESS_JWT, "token_type": "Bearer", "expires_in": 3600,
                             "refresh_token": C["refresh_token in JSON response"],
                             "scope": "openid profile orders:read"})
        elif path == "/graphql" and b"Login" in body:
            self._json(200, {"data": {"login": {"token": {"value": C["graphql response token"],
                                                          "expiresIn": 900}}}})
        elif path == "/graphql":
            self._json(200, {"data": None, "errors": [{"message": "Not allowed", "path": ["viewer", "orders"],
                                                       "extensions": {"code": "FORBIDDEN"}}]})
        elif path == "/v1/chat/completions":
            self._json(200, {"id": "chatcmpl-42", "model": "gpt-x", "usage": {
                "prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42}},
                {"x-ratelimit-remaining-tokens": "39000", "x-ratelimit-reset-tokens": "6m0s",
                 "x-ratelimit-limit-requests": "500", "openai-processing-ms": "512"})
        elif path == "/sts":
            _send(self, 200, (
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                f"<AccessKeyId>ASIAQWERTYUIOPASDFGH</AccessKeyId><SecretAccessKey>{C['STS SecretAccessKey (xml)']}"
                f"</SecretAccessKey><SessionToken>{C['STS SessionToken (xml)']}</SessionToken>"
                "<Expiration>2024-05-01T12:00:00Z</Expiration></Credentials>"
                "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>").encode(), "text/xml")
        elif path == "/api/signup":
            self._json(422, {"detail": [{"loc": ["body", "email"], "msg": "field required",
                                         "type": "value_error.missing"}]})
        else:
            self._json(200, {"received": len(body)})

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._json(200, {"updated": True})

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        routes = _routes_get()
        if path == "/login":
            _send(self, 200, _LOGIN.encode(), "text/html; charset=utf-8")
        elif path == "/static/js/" + CHUNK:
            _send(self, 200, _JS.encode(), "application/javascript")
        elif path == "/static/app.css":
            _send(self, 200, b"body{font-family:sans-serif}", "text/css")
        elif path == "/oauth/authorize":
            self._redirect(f"/oauth/cb?code={C['oauth code (relative Location)']}&state={C['oauth state']}")
        elif path == "/oauth/cb":
            _send(self, 200, _APP.encode(), "text/html; charset=utf-8")
        elif path == "/oauth/native":
            self._redirect(f"myapp://cb?code={C['oauth code (custom scheme Location)']}&state={C['oauth state']}")
        elif path == "/oauth/implicit":
            self._redirect(f"/oauth/done#access_token={C['access token in Location fragment']}"
                           "&token_type=Bearer&expires_in=3600")
        elif path == "/oauth/done":
            _send(self, 200, b"<html><head><title>Signed in</title></head><body>ok</body></html>",
                  "text/html")
        elif path == "/api/slow":
            time.sleep(0.8)
            self._json(200, {"slow": True})
        elif path == "/shop-bucket/private/data.csv":
            _send(self, 403, b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                  b'<Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId>'
                  b'<HostId>vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo='
                  b'</HostId></Error>', "application/xml",
                  {"x-amz-request-id": EVIDENCE["x-amz-request-id"], "x-amz-id-2": EVIDENCE["x-amz-id-2"]})
        elif path == "/maintenance":
            _send(self, 503, b"<html><head><title>503 Service Unavailable</title></head>"
                  b"<body>back soon</body></html>", "text/html", {"Retry-After": "120"})
        elif path == "/api/upstream":
            _send(self, 503, b"upstream connect error or disconnect/reset before headers. "
                  b"reset reason: connection failure", "text/plain", {"x-envoy-upstream-service-time": "3"})
        elif path == "/events":
            self._events()
        elif path == "/ws":
            self._websocket()
        elif path in routes:
            status, body, headers = routes[path]
            self._json(status, body, headers)
        else:
            self._json(404, {"error": {"message": f"no route {path}", "code": "not_found"}})

    def _events(self) -> None:
        events = [f'data: {{"type":"session","sessionToken":"{C["sse data token"]}"}}',
                  "event: ping\nid: 5",
                  'data: {"progress":50,"statusCode":200}',
                  f"data: token={C['sse non-json data token']}",
                  f"data: redirect next=/oauth/cb?code={C['code in a relative URL in SSE text']}&lang=en"]
        data = "".join(f"{e}\n\n" for e in events).encode()
        self.close_connection = True
        _send(self, 200, data, "text/event-stream", {"Connection": "close", "Cache-Control": "no-cache"})

    def _frame(self) -> bytes | None:
        head = self.rfile.read(2)
        if len(head) < 2 or head[0] & 0x0F == 8:
            return None
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self.rfile.read(2), "big")
        mask = self.rfile.read(4)
        return bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))

    def _send_frame(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        assert len(data) < 126
        self.wfile.write(bytes([0x81, len(data)]) + data)
        self.wfile.flush()

    def _websocket(self) -> None:
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode(),
                                               usedforsecurity=False).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("Sec-WebSocket-Protocol", "graphql-transport-ws")
        self.end_headers()
        self.wfile.flush()
        self.connection.settimeout(5)
        with contextlib.suppress(OSError):
            self._frame()
            self._send_frame({"type": "connection_ack", "payload": {"session": C["websocket server message token"]}})
            self._send_frame({"type": "next", "id": "1", "payload": {"errors": [{"message": "denied",
                                                                                 "extensions": {"code": "FORBIDDEN"}}]}})
            self._frame()  # the client's close frame
        self.close_connection = True


def record(har_paths: dict[str, Path]) -> None:
    """Run the session once per HAR content mode (``embed``, ``omit``) and write each HAR."""
    from playwright.sync_api import sync_playwright

    with serving(_App) as base, sync_playwright() as pw:
        _session(pw, base, har_paths)


def _session(pw: Any, base: str, har_paths: dict[str, Path]) -> None:
    args = {"rtReq": C["refresh_token in JSON request"], "cs": C["client_secret in JSON request"],
            "traceparent": EVIDENCE["traceparent"], "sentry": EVIDENCE["sentry-trace"],
            "ctid": EVIDENCE["x-client-trace-id"], "jwt": ACCESS_JWT, "opaque": C["bearer opaque token"],
            "xak": C["x-api-key header"], "supa": C["apikey header"], "goog": C["x-goog-api-key header"],
            "basic": C["basic auth password"], "qak": C["api_key in query"], "gkey": C["key= in query (google)"],
            "sig": C["sig in query"], "amzTok": C["presigned X-Amz-Security-Token"],
            "amzSig": C["presigned X-Amz-Signature"], "gqlPw": C["graphql variable password"],
            "gqlLit": C["graphql literal token"], "gqlGet": C["graphql GET variables token"],
            "userPw": C["user password in JSON request"], "ls": C["localStorage JSON-in-JSON token"],
            "job": JOB_ID, "sha": GIT_SHA, "reset": C["password reset path token"],
            "mpField": C["multipart api_token field"], "mpFile": C["multipart file secret (mismatched boundary)"],
            "fdPw": C["formdata password field"], "fdFile": C["formdata free text token="],
            "refused": f"http://127.0.0.1:{closed_port()}/down",
            "cors": base.replace("127.0.0.1", "localhost") + "/api/cors",
            "ws": base.replace("http", "ws") + "/ws", "wsProto": C["websocket subprotocol token"],
            "wsInit": C["websocket client message token"], "nvAuth": C["JSON name/value pair Authorization"],
            "nvPw": C["JSON key/value pair password (Postman)"], "nvEnv": C["JSON env pair DB_PASSWORD"],
            "webId": C["STS WebIdentityToken (form)"], "soapPw": C["SOAP wsse:Password (xml)"],
            "tupleKey": C["two-string header list X-Api-Key"], "authKey": C["authorization JSON key, no scheme"],
            "formCode": C["form string in JSON: code"], "formState": C["form string in JSON: state"],
            "b64Tok": C["base64 JSON blob accessToken"], "wsShort": C["websocket subprotocol after Bearer"]}
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
    for content, har_path in har_paths.items():
        context = browser.new_context(record_har_path=str(har_path), record_har_content=content)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/login")
        page.evaluate("() => ping()")
        page.fill("#pw", C["login password (form)"])
        page.fill("#otp", C["login otp (form)"])
        page.click("#go")
        page.wait_for_url("**/oauth/cb*")
        page.evaluate("c => run(c)", args)
        page.wait_for_timeout(300)  # the last response bodies reach the HAR recorder
        context.close()
    browser.close()
