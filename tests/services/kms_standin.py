#!/usr/bin/env python3
"""A STAND-IN for AWS KMS, for Arca's tests only. It is not AWS KMS and not a KMS.

No real KMS is reachable from the test machines, so the awskms seal is tested against this small
server on 127.0.0.1. It speaks the part of KMS's JSON protocol the seal uses (POST /,
Content-Type application/x-amz-json-1.1, X-Amz-Target TrentService.Encrypt / Decrypt /
DescribeKey) and answers errors as KMS does ({"__type": ..., "message": ...}, HTTP 400).

It VERIFIES the AWS Signature Version 4 of every request with its own implementation (below,
written from AWS's description of the signing process, independent of Arca's C++ signer, and
checked by --self-test against cases of AWS's published SigV4 test suite): a missing, malformed,
stale or wrong signature, an unknown access key or a wrong session token is refused with the
error KMS gives.

Its "encryption" is a stand-in too: an HMAC-SHA256 keystream and an HMAC-SHA256 tag (Python's
standard library has no AES), under key material that never leaves this process (or the --state
file). Ciphertexts name their key, as KMS ciphertexts do, so Decrypt needs no KeyId.

Usage:
  kms_standin.py [--port 0] [--region us-east-1] [--account 111122223333]
                 [--key ID]... [--alias alias/NAME=ID]... [--disabled ID]...
                 [--credential ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]]... [--state FILE]
                 [--tls-cert PEM --tls-key PEM] [--throttle N]
  kms_standin.py --self-test
Prints "PORT <n>" on stdout once it listens. GET /_standin/stats (unsigned, test-only) returns
the number of requests per operation and of rejected signatures. --throttle N answers the first
N signed requests with KMS's ThrottlingException (to test retries).
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."
MAX_SKEW = datetime.timedelta(minutes=5)


class KmsError(Exception):
    def __init__(self, type_, message, status=400):
        super().__init__(message)
        self.type = type_
        self.message = message
        self.status = status


# ---- SigV4 verification (server side) ----------------------------------------------------------

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def aws_quote(raw: bytes) -> str:
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in raw)


def canonical_path(raw_path: str) -> str:
    decoded = urllib.parse.unquote_to_bytes(raw_path)
    parts = decoded.split(b"/")
    stack = []
    for p in parts:
        if p in (b"", b"."):
            continue
        if p == b"..":
            if stack:
                stack.pop()
            continue
        stack.append(p)
    trailing = parts[-1] in (b"", b".", b"..") if parts else True
    path = "".join("/" + aws_quote(s) for s in stack)
    if not path or trailing:
        path += "/"
    return path


def canonical_query(raw_query: str) -> str:
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((aws_quote(urllib.parse.unquote_to_bytes(name)),
                      aws_quote(urllib.parse.unquote_to_bytes(value))))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_header_value(values) -> str:
    return ",".join(" ".join(v.split()) for v in values)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def string_to_sign(method, raw_path, raw_query, header_values, signed, body, amz_date, scope):
    lines = [method, canonical_path(raw_path), canonical_query(raw_query)]
    for name in signed:
        lines.append(name + ":" + canonical_header_value(header_values(name)))
    creq = "\n".join(lines) + "\n\n" + ";".join(signed) + "\n" + hashlib.sha256(body).hexdigest()
    return creq, "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                            hashlib.sha256(creq.encode()).hexdigest()])


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 (.*)$")


def parse_authorization(value: str):
    m = AUTH_RE.match(value or "")
    if not m:
        raise KmsError("IncompleteSignatureException",
                       f"Authorization header requires existence of either a 'X-Amz-Date' or a "
                       f"'Date' header and the AWS4-HMAC-SHA256 algorithm. Authorization={value}")
    fields = {}
    for part in m.group(1).split(","):
        k, sep, v = part.strip().partition("=")
        if sep:
            fields[k] = v
    for need in ("Credential", "SignedHeaders", "Signature"):
        if need not in fields:
            raise KmsError("IncompleteSignatureException",
                           f"Authorization header requires '{need}' parameter. "
                           f"Authorization={value}")
    cred = fields["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        raise KmsError("IncompleteSignatureException",
                       f"Credential must have exactly 5 slash-delimited elements, e.g. "
                       f"keyid/date/region/service/term, got '{fields['Credential']}'")
    return cred, fields["SignedHeaders"].split(";"), fields["Signature"]


def verify(method, raw_path, raw_query, header_values, body, credentials, region, now):
    """Raises KmsError unless the request carries a valid SigV4 signature."""
    auth = header_values("authorization")
    if not auth:
        raise KmsError("MissingAuthenticationTokenException", "Missing Authentication Token")
    (akid, date, cred_region, service, _), signed, signature = parse_authorization(auth[0])
    amz_date_values = header_values("x-amz-date")
    if not amz_date_values:
        raise KmsError("IncompleteSignatureException",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a "
                       "'Date' header.")
    amz_date = amz_date_values[0]
    if "host" not in signed or "x-amz-date" not in signed or signed != sorted(signed):
        raise KmsError("InvalidSignatureException",
                       "'Host' and 'X-Amz-Date' must be signed, and SignedHeaders sorted.")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise KmsError("IncompleteSignatureException", f"Date must be in ISO-8601 'basic format'. "
                       f"Got '{amz_date}'.")
    if now is not None and abs(now - when) > MAX_SKEW:
        raise KmsError("InvalidSignatureException",
                       f"Signature expired: {amz_date} is now earlier or later than "
                       f"{now.strftime('%Y%m%dT%H%M%SZ')} (5 min. skew allowed)")
    if date != amz_date[:8]:
        raise KmsError("InvalidSignatureException",
                       f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                       f"of date from HTTP: '{date}' != '{amz_date[:8]}'")
    if cred_region != region:
        raise KmsError("InvalidSignatureException",
                       f"Credential should be scoped to a valid region, not '{cred_region}'. ")
    if service != "kms":
        raise KmsError("InvalidSignatureException",
                       "Credential should be scoped to correct service: 'kms'. ")
    secret, token = credentials.get(akid, (None, None))
    if secret is None:
        raise KmsError("UnrecognizedClientException", INVALID_TOKEN)
    sent_token = header_values("x-amz-security-token")
    if (token or None) != (sent_token[0] if sent_token else None):
        raise KmsError("UnrecognizedClientException", INVALID_TOKEN)
    if token and "x-amz-security-token" not in signed:
        raise KmsError("InvalidSignatureException", "X-Amz-Security-Token must be signed.")
    scope = f"{date}/{cred_region}/{service}/aws4_request"
    _, sts = string_to_sign(method, raw_path, raw_query, header_values, signed, body, amz_date,
                            scope)
    want = hmac.new(signing_key(secret, date, cred_region, service), sts.encode(),
                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, signature):
        raise KmsError("InvalidSignatureException", SIGNATURE_MISMATCH)


# ---- The stand-in's keys and "encryption" --------------------------------------------------------

MAGIC = b"ARCA-KMS-STANDIN1"


def keystream_xor(enc_key, nonce, data):
    stream = b""
    counter = 0
    while len(stream) < len(data):
        stream += hmac.new(enc_key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(a ^ b for a, b in zip(data, stream))


class Keys:
    def __init__(self, region, account, state_file):
        self.region, self.account, self.state_file = region, account, state_file
        self.material, self.aliases, self.disabled, self.created = {}, {}, set(), {}
        self.lock = threading.Lock()
        if state_file and os.path.exists(state_file):
            with open(state_file) as f:
                st = json.load(f)
            self.material = {k: bytes.fromhex(v) for k, v in st["material"].items()}
            self.aliases = st["aliases"]
            self.disabled = set(st["disabled"])
            self.created = st["created"]

    def save(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"material": {k: v.hex() for k, v in self.material.items()},
                       "aliases": self.aliases, "disabled": sorted(self.disabled),
                       "created": self.created}, f)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.state_file)

    def add(self, key_id):
        if key_id not in self.material:
            self.material[key_id] = os.urandom(32)
            self.created[key_id] = datetime.datetime.now(datetime.timezone.utc).timestamp()

    def arn(self, key_id):
        return f"arn:aws:kms:{self.region}:{self.account}:key/{key_id}"

    def resolve(self, ref):
        if not isinstance(ref, str) or not ref:
            raise KmsError("ValidationException", "1 validation error detected: Value null at "
                           "'keyId' failed to satisfy constraint: Member must not be null")
        prefix = f"arn:aws:kms:{self.region}:{self.account}:"
        name = ref[len(prefix):] if ref.startswith(prefix) else ref
        if name.startswith("alias/"):
            if name not in self.aliases:
                raise KmsError("NotFoundException", f"Alias {prefix}{name} is not found.")
            return self.aliases[name]
        if name.startswith("key/"):
            name = name[4:]
        if name not in self.material:
            raise KmsError("NotFoundException", f"Key '{self.arn(name)}' does not exist")
        return name

    def check_enabled(self, key_id):
        if key_id in self.disabled:
            raise KmsError("DisabledException", f"{self.arn(key_id)} is disabled.")

    @staticmethod
    def _context_bytes(ctx):
        return json.dumps(ctx or {}, sort_keys=True, separators=(",", ":")).encode()

    def _keys(self, key_id):
        m = self.material[key_id]
        return (hmac.new(m, b"stand-in enc", hashlib.sha256).digest(),
                hmac.new(m, b"stand-in mac", hashlib.sha256).digest())

    def encrypt(self, key_id, plaintext, ctx):
        enc, mac = self._keys(key_id)
        nonce = os.urandom(16)
        ct = keystream_xor(enc, nonce, plaintext)
        kid = key_id.encode()
        head = MAGIC + bytes([len(kid)]) + kid + nonce
        tag = hmac.new(mac, head + ct + self._context_bytes(ctx), hashlib.sha256).digest()
        return head + ct + tag

    def decrypt(self, blob, ctx):
        bad = KmsError("InvalidCiphertextException", "")
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 1:
            raise bad
        n = blob[len(MAGIC)]
        pos = len(MAGIC) + 1
        key_id = blob[pos:pos + n].decode(errors="replace")
        pos += n
        if key_id not in self.material or len(blob) < pos + 16 + 32:
            raise bad
        nonce, ct, tag = blob[pos:pos + 16], blob[pos + 16:-32], blob[-32:]
        enc, mac = self._keys(key_id)
        want = hmac.new(mac, blob[:-32] + self._context_bytes(ctx), hashlib.sha256).digest()
        if not hmac.compare_digest(want, tag):
            raise bad
        self.check_enabled(key_id)
        return key_id, keystream_xor(enc, nonce, ct)


def b64field(body, name, required=True):
    v = body.get(name)
    if v is None:
        if required:
            raise KmsError("ValidationException",
                           f"1 validation error detected: Value null at '{name[0].lower()}"
                           f"{name[1:]}' failed to satisfy constraint: Member must not be null")
        return None
    try:
        return base64.b64decode(v, validate=True)
    except Exception:
        raise KmsError("SerializationException", f"Could not decode base64 in {name}")


def make_handler(state):
    keys, credentials, region = state["keys"], state["credentials"], state["region"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "kms-standin"

        def log_message(self, fmt, *args):  # no request logging (bodies hold key material)
            pass

        def reply(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if status >= 400 and "__type" in obj:
                self.send_header("x-amzn-ErrorType", obj["__type"])
            self.end_headers()
            self.wfile.write(data)

        def count(self, what):
            with state["lock"]:
                state["stats"][what] = state["stats"].get(what, 0) + 1

        def do_GET(self):
            if self.path == "/_standin/stats":
                with state["lock"]:
                    stats = dict(state["stats"])
                self.reply(200, stats)
                return
            self.reply(400, {"__type": "UnknownOperationException", "message": ""})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            raw_path, _, raw_query = self.path.partition("?")

            def header_values(name):
                return self.headers.get_all(name) or []

            try:
                verify("POST", raw_path, raw_query, header_values, body, credentials, region,
                       datetime.datetime.now(datetime.timezone.utc))
            except KmsError as e:
                self.count("rejected")
                self.reply(e.status, {"__type": e.type, "message": e.message})
                return
            with state["lock"]:
                throttled = state["throttle"] > 0
                if throttled:
                    state["throttle"] -= 1
                    state["stats"]["throttled"] = state["stats"].get("throttled", 0) + 1
            if throttled:
                self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
                return
            target = self.headers.get("X-Amz-Target", "")
            op = target[len("TrentService."):] if target.startswith("TrentService.") else ""
            self.count(op or "unknown")
            try:
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    raise KmsError("SerializationException", "Start of structure or map found "
                                   "where not expected.")
                if not isinstance(req, dict):
                    raise KmsError("SerializationException", "Request body is not an object")
                with keys.lock:
                    result = self.operation(op, req)
                self.reply(200, result)
            except KmsError as e:
                self.reply(e.status, {"__type": e.type, "message": e.message})

        def operation(self, op, req):
            if op == "DescribeKey":
                key_id = keys.resolve(req.get("KeyId"))
                enabled = key_id not in keys.disabled
                return {"KeyMetadata": {
                    "AWSAccountId": keys.account, "KeyId": key_id, "Arn": keys.arn(key_id),
                    "CreationDate": keys.created.get(key_id, 0), "Enabled": enabled,
                    "KeyState": "Enabled" if enabled else "Disabled",
                    "KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT",
                    "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeyManager": "CUSTOMER",
                    "Origin": "AWS_KMS", "Description": "kms-standin test key",
                    "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": False}}
            if op == "Encrypt":
                key_id = keys.resolve(req.get("KeyId"))
                keys.check_enabled(key_id)
                plaintext = b64field(req, "Plaintext")
                if not 1 <= len(plaintext) <= 4096:
                    raise KmsError("ValidationException", "1 validation error detected: Value at "
                                   "'plaintext' failed to satisfy constraint: Member must have "
                                   "length less than or equal to 4096")
                blob = keys.encrypt(key_id, plaintext, req.get("EncryptionContext"))
                return {"CiphertextBlob": base64.b64encode(blob).decode(),
                        "KeyId": keys.arn(key_id), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
            if op == "Decrypt":
                blob = b64field(req, "CiphertextBlob")
                key_id, plaintext = keys.decrypt(blob, req.get("EncryptionContext"))
                if req.get("KeyId") is not None and keys.resolve(req["KeyId"]) != key_id:
                    raise KmsError("IncorrectKeyException", "The key ID in the request does not "
                                   "identify a CMK that can perform this operation.")
                return {"Plaintext": base64.b64encode(plaintext).decode(),
                        "KeyId": keys.arn(key_id), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
            raise KmsError("UnknownOperationException", "")

    return Handler


# ---- Self-test against AWS's published SigV4 test suite ----------------------------------------

def self_test():
    """Checks string_to_sign() and verify() against cases of AWS's SigV4 test suite."""
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    token = ("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMi"
             "cRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampK"
             "sburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u"
             "0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==")
    cases = [  # name, method, path, query, headers, body, signature
        ("get-vanilla", "GET", "/", "", [], b"",
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", [], b"",
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("get-utf8", "GET", "/%E1%88%B4", "", [], b"",
         "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        ("get-slashes", "GET", "//example//", "", [], b"",
         "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        ("get-header-value-trim", "GET", "/", "",
         [("my-header1", " value1"), ("my-header2", ' "a   b   c"')], b"",
         "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        ("get-header-value-order", "GET", "/", "",
         [("my-header1", "value4"), ("my-header1", "value1"), ("my-header1", "value3"),
          ("my-header1", "value2")], b"",
         "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        ("post-x-www-form-urlencoded", "POST", "/", "",
         [("content-type", "application/x-www-form-urlencoded")], b"Param1=value1",
         "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        ("post-sts-header-before", "POST", "/", "", [("x-amz-security-token", token)], b"",
         "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ]
    failures = 0
    for name, method, path, query, extra, body, sig in cases:
        headers = [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")] + extra
        signed = sorted({h for h, _ in headers})

        def values(n, headers=headers):
            return [v for k, v in headers if k == n]

        scope = "20150830/us-east-1/service/aws4_request"
        _, sts = string_to_sign(method, path, query, values, signed, body, "20150830T123600Z",
                                scope)
        got = hmac.new(signing_key(secret, "20150830", "us-east-1", "service"), sts.encode(),
                       hashlib.sha256).hexdigest()
        if got != sig:
            print(f"FAIL {name}: {got} != {sig}")
            failures += 1
    # The full verifier refuses a suite signature for KMS: its scope names service "service".
    creds = {"AKIDEXAMPLE": (secret, None)}
    hdrs = [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z"),
            ("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
             "service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
             "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    try:
        verify("GET", "/", "", lambda n: [v for k, v in hdrs if k == n], b"", creds,
               "us-east-1", None)
        print("FAIL verify accepted service 'service' for KMS")
        failures += 1
    except KmsError as e:
        if "correct service" not in e.message:
            print(f"FAIL unexpected error {e.type}: {e.message}")
            failures += 1
    print("self-test:", "FAILED" if failures else "ok")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description="AWS KMS stand-in for tests (not a KMS)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account", default="111122223333")
    ap.add_argument("--key", action="append", default=[])
    ap.add_argument("--alias", action="append", default=[])
    ap.add_argument("--disabled", action="append", default=[])
    ap.add_argument("--credential", action="append", default=[])
    ap.add_argument("--state")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--throttle", type=int, default=0)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()

    keys = Keys(args.region, args.account, args.state)
    for k in args.key:
        keys.add(k)
    for a in args.alias:
        name, _, target = a.partition("=")
        if not name.startswith("alias/") or target not in keys.material:
            ap.error(f"bad --alias {a}")
        keys.aliases[name] = target
    keys.disabled |= set(args.disabled)
    keys.save()
    credentials = {}
    for c in args.credential:
        parts = c.split(":", 2)
        if len(parts) < 2:
            ap.error("--credential wants ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]")
        credentials[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else None)

    state = {"keys": keys, "credentials": credentials, "region": args.region,
             "stats": {}, "lock": threading.Lock(), "throttle": args.throttle}
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state))
    server.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
