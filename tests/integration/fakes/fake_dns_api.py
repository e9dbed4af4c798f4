#!/usr/bin/env python3
"""A fake of a DNS provider's HTTPS API for the dns-* plugin integration tests (no test reaches
the internet). It implements exactly the calls the plugins make, as each provider's API reference
specifies them, checks what the real API checks (the credentials, the request shapes), and
publishes every TXT record it holds into pebble-challtestsrv (its management API: /set-txt,
/clear-txt) so that Pebble's VA sees them.

  Cloudflare API v4      https://developers.cloudflare.com/api/ (zones, dns_records)
  DigitalOcean API v2    https://docs.digitalocean.com/reference/api/api-reference/ (domains)
  Linode API v4          https://www.linode.com/docs/api/domains/
  Google Cloud DNS v1    https://cloud.google.com/dns/docs/reference/v1 (managedZones, rrsets,
                         changes) and Google's OAuth 2.0 token endpoint for service accounts
                         (RFC 7523 JWT bearer grant; the RS256 signature is checked with the
                         public half of the service account's key, python3-cryptography)
  OVHcloud API 1.0       https://api.ovh.com/console/#/domain (signed requests: X-Ovh-Signature
                         "$1$" + SHA-1 of AS+CK+METHOD+URL+BODY+TIMESTAMP; the fake's clock runs
                         1000 s ahead, so a client must use /auth/time)
  DNSimple API v2        https://developer.dnsimple.com/v2/ (accounts, domains, zones, zones/records;
                         Bearer token; {"data": ...} with "pagination" on listings)
  Gehirn DNS API v1      https://support.gehirn.jp/apidocs/gis/dns/ (zones, versions/<v>/records:
                         one record set per name and type, values in "records"; HTTP Basic
                         authentication with the API token and secret)
  Sakura Cloud API 1.1   https://developer.sakura.ad.jp/cloud/api/1.1/ (commonserviceitem: the DNS
                         appliance, its ResourceRecordSets read and written whole; the query of
                         a listing is JSON; HTTP Basic authentication with token and secret)
  NS1 API v1             https://developer.ibm.com/apis/catalog/ns1--ibm-ns1-connect-api/ (zones,
                         zones/<zone>/<domain>/<type>: PUT creates, POST updates the answers;
                         X-NSONE-Key)
  LuaDNS REST API v1     https://www.luadns.com/api.html (zones, zones/<id>/records; names absolute
                         with the final dot; HTTP Basic authentication with email and token;
                         requests without "Accept: application/json" are refused)
  DNS Made Easy API v2.0 https://api-docs.dnsmadeeasy.com/ (dns/managed/name, dns/managed/<id>/
                         records; x-dnsme-apiKey, x-dnsme-requestDate within 5 minutes of the
                         fake's clock, x-dnsme-hmac = hex HMAC-SHA1(secret key, date); TXT values
                         returned quoted)
  Amazon Route 53        https://docs.aws.amazon.com/Route53/latest/APIReference/ (2013-04-01;
                         SigV4 verified with botocore's signer, so run it with Debian's python3)

Test control (not part of any provider's API), under /_fake/:
  GET  /_fake/records          every record held: [{"id", "zone", "name", "type", "content"}]
  POST /_fake/config           {"fail_create_after": N}: record creations after the N-th answer
                               HTTP 500 with the provider's error body (an API error mid-run)
                               {"garbage": "json" | "huge"}: the next API request is answered
                               200 with a body that is not JSON, or with 5 MiB of it
                               {"pending": true}: changes never complete (Route 53 GetChange
                               answers PENDING, a Google change stays "pending")
  GET  /_fake/log              one line per API request: "METHOD PATH STATUS"
"""
import argparse
import json
import re
import ssl
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class State:
    def __init__(self, args):
        self.args = args
        self.zones = {}  # name -> id
        for i, z in enumerate(args.zone):
            self.zones[z] = {"cloudflare": "%032x" % (0xC0FFEE + i), "route53": "Z%08dABCDEF" % i}.get(
                args.provider, str(1000 + i))
        self.records = {}  # id -> dict(zone, name (fqdn), type, content, ttl)
        self.next_id = 5000
        self.created = 0
        self.fail_create_after = None
        self.garbage = None
        self.pending = False
        self.changes = {}  # Route 53 change id -> GetChange calls so far
        self.log = []
        for z in args.zone:  # someone else's record, which cleanup must keep
            self.add(z, "_acme-challenge." + z, "TXT", "someone-elses-record", 300)

    def add(self, zone, name, rtype, content, ttl):
        self.next_id += 1
        rid = str(self.next_id) if self.args.provider != "cloudflare" else "%032x" % self.next_id
        self.records[rid] = dict(zone=zone, name=name, type=rtype, content=content, ttl=ttl)
        self.publish(name)
        return rid

    def delete(self, rid):
        rec = self.records.pop(rid)
        self.publish(rec["name"])

    def publish(self, name):
        values = [r["content"] for r in self.records.values() if r["name"] == name and r["type"] == "TXT"]
        challtest("/clear-txt", {"host": name + "."})
        for v in values:
            challtest("/set-txt", {"host": name + ".", "value": v})


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def challtest(path, body):
    req = urllib.request.Request(ARGS.challtestsrv + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req, timeout=10).read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def send_json(self, status, obj, headers=()):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        path = urllib.parse.urlsplit(self.path).path
        if not path.startswith("/_fake/"):
            STATE.log.append("%s %s %d" % (self.command, path, status))

    def send_garbage(self, kind):
        body = b"<html>502 Bad Gateway</html>\n" if kind == "json" else b"[" + b" " * (5 << 20) + b"]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client stopped reading at its limit, as it should
        STATE.log.append("%s %s garbage-%s" % (self.command, urllib.parse.urlsplit(self.path).path, kind))

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if raw and not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return None
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    def handle_any(self):
        with LOCK:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            if url.path.startswith("/_fake/"):
                return self.control(url.path)
            if not self.headers.get("User-Agent"):
                return self.send_json(400, {"error": "no User-Agent"})
            if STATE.garbage:
                kind, STATE.garbage = STATE.garbage, None
                return self.send_garbage(kind)
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            self.raw_text = raw.decode("utf-8", "replace")
            if ARGS.provider == "route53" or (ARGS.provider == "google" and url.path == "/token"):
                body = raw
            else:
                body = None
                if raw and (self.headers.get("Content-Type") or "").startswith("application/json"):
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        return self.send_json(400, {"message": "malformed JSON"})
            getattr(self, ARGS.provider)(url.path, query, body)

    do_GET = do_POST = do_DELETE = do_PUT = handle_any

    def control(self, path):
        if path == "/_fake/records":
            return self.send_json(200, [dict(id=k, **v) for k, v in STATE.records.items()])
        if path == "/_fake/log":
            return self.send_json(200, STATE.log)
        if path == "/_fake/config":
            cfg = self.body_json() or {}
            STATE.fail_create_after = cfg.get("fail_create_after")
            STATE.garbage = cfg.get("garbage")
            STATE.pending = bool(cfg.get("pending"))
            STATE.created = 0
            return self.send_json(200, {})
        self.send_json(404, {})

    @staticmethod
    def zone_and_record(pattern, path):
        """(zone, record id or None) when PATH matches PATTERN (group 1: a zone's id, group 2: a
        record's), else (None, None)."""
        m = re.fullmatch(pattern, path)
        zone = next((z for z, zid in STATE.zones.items() if m and zid == m.group(1)), None)
        return zone, (m.group(2) if zone else None)

    def creation_fails(self):
        STATE.created += 1
        return STATE.fail_create_after is not None and STATE.created > STATE.fail_create_after

    def bearer_ok(self):
        return self.headers.get("Authorization") == "Bearer " + ARGS.secret

    # --- OVHcloud API 1.0 ----------------------------------------------------------------------
    OVH_SKEW = 1000

    def ovh_error(self, status, code, message):
        self.send_json(status, {"errorCode": code, "httpCode": "%d" % status, "message": message})

    def ovh_record(self, rid):
        r = STATE.records[rid]
        sub = "" if r["name"] == r["zone"] else r["name"][:-len(r["zone"]) - 1]
        return {"id": int(rid), "zone": r["zone"], "fieldType": r["type"], "subDomain": sub,
                "target": r["content"], "ttl": r["ttl"]}

    def ovh(self, path, query, body):
        import hashlib
        import time
        now = int(time.time()) + self.OVH_SKEW
        if path == "/1.0/auth/time" and self.command == "GET":
            return self.send_json(200, now)
        ak, as_, ck = ARGS.secret.split(":")
        if self.headers.get("X-Ovh-Application") != ak:
            return self.ovh_error(403, "INVALID_KEY", "This application key is invalid")
        if self.headers.get("X-Ovh-Consumer") != ck:
            return self.ovh_error(403, "INVALID_CREDENTIAL", "This credential does not exist")
        ts = self.headers.get("X-Ovh-Timestamp") or "0"
        if not ts.isdigit() or abs(int(ts) - now) > 60:
            return self.ovh_error(400, "QUERY_TIME_OUT", "Query out of time")
        url = "https://%s%s" % (self.headers.get("Host"), self.path)
        expected = "$1$" + hashlib.sha1("+".join([as_, ck, self.command, url, self.raw_text, ts]).encode()).hexdigest()
        if self.headers.get("X-Ovh-Signature") != expected:
            return self.ovh_error(400, "INVALID_SIGNATURE", "Invalid signature")
        path = path.rstrip("/")
        if self.command == "GET" and path == "/1.0/domain/zone":
            return self.send_json(200, list(STATE.zones))
        m = re.fullmatch(r"/1.0/domain/zone/([^/]+)(?:/(status|refresh|record)(?:/([0-9]+))?)?", path)
        if not m or m.group(1) not in STATE.zones:
            return self.ovh_error(404, "NOT_FOUND", "This service does not exist")
        zone, what, rid = m.groups()
        if what == "status" and self.command == "GET":
            return self.send_json(200, {"isDeployed": True, "warnings": [], "errors": []})
        if what == "refresh" and self.command == "POST":
            return self.send_json(200, None)
        if what == "record" and rid is None and self.command == "POST":
            if not isinstance(body, dict) or body.get("fieldType") != "TXT" or not isinstance(body.get("target"), str) \
                    or not isinstance(body.get("subDomain"), str) or body["subDomain"].endswith(zone) \
                    or not isinstance(body.get("ttl", 0), int):
                return self.ovh_error(400, "INVALID_BODY", "fieldType TXT, subDomain (relative) and target are required")
            if self.creation_fails():
                return self.ovh_error(500, "INTERNAL", "Internal server error (injected by the test)")
            name = zone if body["subDomain"] == "" else body["subDomain"] + "." + zone
            new = STATE.add(zone, name, "TXT", body["target"], body.get("ttl", 0))
            return self.send_json(200, self.ovh_record(new))
        if what == "record" and rid is None and self.command == "GET":
            ids = [int(k) for k, r in STATE.records.items() if r["zone"] == zone
                   and ("fieldType" not in query or query["fieldType"] == r["type"])
                   and ("subDomain" not in query or self.ovh_record(k)["subDomain"] == query["subDomain"])]
            return self.send_json(200, ids)
        if what == "record" and rid is not None:
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.ovh_error(404, "NOT_FOUND", "This service does not exist")
            if self.command == "GET":
                return self.send_json(200, self.ovh_record(rid))
            if self.command == "DELETE":
                STATE.delete(rid)
                return self.send_json(200, None)
        self.ovh_error(405, "METHOD_NOT_ALLOWED", "Method not allowed")

    # --- Google OAuth 2.0 + Cloud DNS v1 ----------------------------------------------------
    def g_error(self, status, message, reason="invalid"):
        self.send_json(status, {"error": {"code": status, "message": message,
                                          "errors": [{"message": message, "domain": "global", "reason": reason}]}})

    def g_token(self, raw):
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        if (self.headers.get("Content-Type") or "") != "application/x-www-form-urlencoded":
            return self.send_json(400, {"error": "invalid_request", "error_description": "form body expected"})
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.send_json(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        import base64
        import time
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        def b64(x):
            return base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        with open(ARGS.secret) as f:
            account = json.load(f)
        try:
            h, c, sig = form.get("assertion", "").split(".")
            header, claims = json.loads(b64(h)), json.loads(b64(c))
            key = serialization.load_pem_private_key(account["private_key"].encode(), None).public_key()
            key.verify(b64(sig), (h + "." + c).encode(), padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return self.send_json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        now = time.time()
        if header.get("alg") != "RS256" or claims.get("iss") != account["client_email"] \
                or claims.get("aud") != account["token_uri"] \
                or "https://www.googleapis.com/auth/ndev.clouddns.readwrite" not in claims.get("scope", "").split() \
                or not abs(claims.get("iat", 0) - now) < 300 or not 0 < claims.get("exp", 0) - claims["iat"] <= 3600:
            return self.send_json(400, {"error": "invalid_grant", "error_description": "Invalid JWT claims."})
        STATE.g_token = "ya29.%032x" % int(now * 1000)
        self.send_json(200, {"access_token": STATE.g_token, "expires_in": 3599, "token_type": "Bearer"})

    def g_rrset(self, zone, name):
        recs = [r for r in STATE.records.values() if r["zone"] == zone and r["name"] == name and r["type"] == "TXT"]
        if not recs:
            return None
        return {"kind": "dns#resourceRecordSet", "name": name + ".", "type": "TXT", "ttl": recs[0]["ttl"],
                "rrdatas": ['"%s"' % r["content"] for r in recs]}

    def google(self, path, query, body):
        if path == "/token" and self.command == "POST":
            return self.g_token(body)
        if self.headers.get("Authorization") != "Bearer " + (getattr(STATE, "g_token", None) or "-"):
            return self.g_error(401, "Request had invalid authentication credentials.", "authError")
        with open(ARGS.secret) as f:
            project = json.load(f)["project_id"]
        m = re.fullmatch(r"/dns/v1/projects/([^/]+)/managedZones(?:/([0-9]+)/(rrsets|changes)(?:/([0-9]+))?)?", path)
        if not m or m.group(1) != project:
            return self.g_error(404, "The requested resource '%s' cannot be found." % path, "notFound")
        if m.group(2) is None:
            zones = [{"kind": "dns#managedZone", "name": z.replace(".", "-"), "dnsName": z + ".", "id": zid,
                      "visibility": "public"} for z, zid in STATE.zones.items()
                     if query.get("dnsName", z + ".") == z + "."]
            return self.send_json(200, {"kind": "dns#managedZonesListResponse", "managedZones": zones})
        zone = next((z for z, zid in STATE.zones.items() if zid == m.group(2)), None)
        if zone is None:
            return self.g_error(404, "The 'parameters.managedZone' resource named '%s' does not exist." % m.group(2), "notFound")
        if m.group(3) == "rrsets" and self.command == "GET":
            rr = self.g_rrset(zone, query.get("name", "").rstrip("."))
            ok = query.get("type") == "TXT" and query.get("name", "").endswith(".")
            return self.send_json(200, {"kind": "dns#resourceRecordSetsListResponse",
                                        "rrsets": [rr] if rr and ok else []})
        if m.group(3) == "changes" and self.command == "GET" and m.group(4):
            return self.send_json(200, {"kind": "dns#change", "id": m.group(4),
                                        "status": "pending" if STATE.pending else "done"})
        if m.group(3) != "changes" or self.command != "POST" or not isinstance(body, dict):
            return self.g_error(400, "Invalid request", "invalid")
        # A change: every deletion must match the current record set exactly (else 412), an
        # addition must not collide with a record set that stays (else 409).
        dels, adds = body.get("deletions", []), body.get("additions", [])
        for rs in dels + adds:
            if rs.get("type") != "TXT" or not rs.get("name", "").endswith(".") or not rs.get("rrdatas") \
                    or not isinstance(rs.get("ttl"), int) or any(not (v[:1] == '"' == v[-1:]) for v in rs["rrdatas"]):
                return self.g_error(400, "Invalid value for 'entity.change': TXT record sets need a name with a "
                                    "trailing dot, a ttl and quoted rrdatas", "invalid")
        gone = set()
        for rs in dels:
            cur = self.g_rrset(zone, rs["name"].rstrip("."))
            if not cur or sorted(cur["rrdatas"]) != sorted(rs["rrdatas"]) or cur["ttl"] != rs["ttl"]:
                return self.g_error(412, "Precondition not met for 'entity.change.deletions[%s]'" % rs["name"],
                                    "conditionNotMet")
            gone.add(rs["name"])
        for rs in adds:
            if rs["name"] not in gone and self.g_rrset(zone, rs["name"].rstrip(".")):
                return self.g_error(409, "The resource 'entity.change.additions[%s]' named '%s (TXT)' already exists"
                                    % (rs["name"], rs["name"]), "alreadyExists")
        new_values = [v for rs in adds for v in rs["rrdatas"]
                      if v not in ((self.g_rrset(zone, rs["name"].rstrip(".")) or {}).get("rrdatas") or [])]
        if new_values and self.creation_fails():
            return self.g_error(500, "Internal error (injected by the test)", "backendError")
        for name in gone:
            for k in [k for k, r in STATE.records.items() if r["zone"] == zone and r["name"] == name.rstrip(".") and r["type"] == "TXT"]:
                del STATE.records[k]
        for rs in adds:
            for v in rs["rrdatas"]:
                STATE.next_id += 1
                STATE.records[str(STATE.next_id)] = dict(zone=zone, name=rs["name"].rstrip("."), type="TXT",
                                                         content=v[1:-1], ttl=rs["ttl"])
        for name in gone | {rs["name"] for rs in adds}:
            STATE.publish(name.rstrip("."))
        STATE.next_id += 1
        self.send_json(200, {"kind": "dns#change", "id": str(STATE.next_id), "status": "pending",
                             "additions": adds, "deletions": dels})

    # --- Amazon Route 53 API 2013-04-01 --------------------------------------------------------
    R53_NS = "{https://route53.amazonaws.com/doc/2013-04-01/}"

    def r53_error(self, status, code, message):
        body = ('<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
                "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                "<RequestId>fake</RequestId></ErrorResponse>" % (code, xml_escape(message)))
        self.r53_xml(status, body)

    def r53_xml(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        STATE.log.append("%s %s %d" % (self.command, urllib.parse.urlsplit(self.path).path, status))

    def r53_signature_ok(self, raw_body):
        """SigV4 as AWS checks it, recomputed with botocore's signer from the test credentials."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        auth = self.headers.get("Authorization") or ""
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/us-east-1/route53/aws4_request, "
                         r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", auth)
        if not m:
            return "IncompleteSignature", "Authorization header is not a SigV4 signature for us-east-1/route53"
        if m.group(1) != ARGS.secret.split(":")[0]:
            return "InvalidClientTokenId", "The security token included in the request is invalid."
        amz_date = self.headers.get("X-Amz-Date") or ""
        if not amz_date.startswith(m.group(2)):
            return "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date"
        signed = m.group(3).split(";")
        if "host" not in signed or "x-amz-date" not in signed:
            return "SignatureDoesNotMatch", "host and x-amz-date must be signed"
        headers = {h: self.headers.get(h) or "" for h in signed}
        req = AWSRequest(method=self.command, url="https://%s%s" % (self.headers.get("Host"), self.path),
                         data=raw_body, headers=headers)
        req.context["timestamp"] = amz_date
        key_id, secret = ARGS.secret.split(":", 1)
        signer = SigV4Auth(Credentials(key_id, secret, self.headers.get("X-Amz-Security-Token")),
                           "route53", "us-east-1")
        canonical = signer.canonical_request(req)
        if signer.signature(signer.string_to_sign(req, canonical), req) != m.group(4):
            return "SignatureDoesNotMatch", ("The request signature we calculated does not match the "
                                             "signature you provided.")
        return None

    def r53_rrset(self, zone, name):
        recs = [r for r in STATE.records.values() if r["zone"] == zone and r["name"] == name and r["type"] == "TXT"]
        return recs

    def route53(self, path, query, body):
        raw = body if isinstance(body, bytes) else b""
        bad = self.r53_signature_ok(raw)
        if bad:
            return self.r53_error(403, *bad)
        ns = ' xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'
        if self.command == "GET" and path == "/2013-04-01/hostedzone":
            zones = "".join("<HostedZone><Id>/hostedzone/%s</Id><Name>%s.</Name><CallerReference>x</CallerReference>"
                            "<Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>2"
                            "</ResourceRecordSetCount></HostedZone>" % (zid, z) for z, zid in STATE.zones.items())
            return self.r53_xml(200, '<?xml version="1.0"?>\n<ListHostedZonesResponse%s><HostedZones>%s</HostedZones>'
                                '<IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>' % (ns, zones))
        m = re.fullmatch(r"/2013-04-01/change/(C[0-9A-Z]+)", path)
        if self.command == "GET" and m:
            if m.group(1) not in STATE.changes:
                return self.r53_error(404, "NoSuchChange", "A change with the specified change ID does not exist.")
            STATE.changes[m.group(1)] += 1  # PENDING at the first GetChange, INSYNC afterwards
            status = "INSYNC" if STATE.changes[m.group(1)] > 1 and not STATE.pending else "PENDING"
            return self.r53_xml(200, '<?xml version="1.0"?>\n<GetChangeResponse%s><ChangeInfo><Id>/change/%s</Id>'
                                "<Status>%s</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo>"
                                "</GetChangeResponse>" % (ns, m.group(1), status))
        m = re.fullmatch(r"/2013-04-01/hostedzone/(Z[0-9A-Z]+)/rrset/?", path)
        zone = next((z for z, zid in STATE.zones.items() if m and zid == m.group(1)), None)
        if not m or zone is None:
            return self.r53_error(404, "NoSuchHostedZone", "No hosted zone found with ID: %s" % path.split("/")[3:4])
        if self.command == "GET":
            name = query.get("name", "").rstrip(".")
            recs = self.r53_rrset(zone, name) if query.get("type") == "TXT" else []
            sets = ""
            if recs:
                sets = ("<ResourceRecordSet><Name>%s.</Name><Type>TXT</Type><TTL>%d</TTL><ResourceRecords>%s"
                        "</ResourceRecords></ResourceRecordSet>" % (name, recs[0]["ttl"], "".join(
                            "<ResourceRecord><Value>&quot;%s&quot;</Value></ResourceRecord>" % xml_escape(r["content"])
                            for r in recs)))
            return self.r53_xml(200, '<?xml version="1.0"?>\n<ListResourceRecordSetsResponse%s><ResourceRecordSets>%s'
                                "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems>"
                                "</ListResourceRecordSetsResponse>" % (ns, sets))
        if self.command != "POST":
            return self.r53_error(405, "MethodNotAllowed", "Method not allowed")
        import xml.etree.ElementTree as ET
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as e:
            return self.r53_error(400, "MalformedInput", "Could not parse the request body: %s" % e)
        N = self.R53_NS
        if root.tag != N + "ChangeResourceRecordSetsRequest":
            return self.r53_error(400, "MalformedInput", "Expected ChangeResourceRecordSetsRequest")
        changes = root.findall("./%sChangeBatch/%sChanges/%sChange" % (N, N, N))
        if not changes:
            return self.r53_error(400, "InvalidInput", "No changes")
        plan = []
        for ch in changes:
            action = ch.findtext(N + "Action")
            rs = ch.find(N + "ResourceRecordSet")
            name = (rs.findtext(N + "Name") or "").rstrip(".")
            rtype, ttl = rs.findtext(N + "Type"), int(rs.findtext(N + "TTL") or "-1")
            values = [v.text or "" for v in rs.findall("./%sResourceRecords/%sResourceRecord/%sValue" % (N, N, N))]
            if action not in ("CREATE", "UPSERT", "DELETE") or rtype != "TXT" or ttl < 0 or not values:
                return self.r53_error(400, "InvalidChangeBatch", "Action, Type TXT, TTL and values are required")
            if not (name == zone or name.endswith("." + zone)):
                return self.r53_error(400, "InvalidChangeBatch", "RRSet with DNS name %s is not permitted in zone %s" % (name, zone))
            if any(not (len(v) >= 2 and v[0] == '"' and v[-1] == '"') for v in values):
                return self.r53_error(400, "InvalidChangeBatch", "Invalid Resource Record: TXT values must be quoted")
            current = self.r53_rrset(zone, name)
            if action == "DELETE" and (sorted(r["content"] for r in current) != sorted(v[1:-1] for v in values)
                                       or any(r["ttl"] != ttl for r in current)):
                return self.r53_error(400, "InvalidChangeBatch", "Tried to delete resource record set [name='%s', type='TXT'] but the values provided do not match the current values" % name)
            if action == "CREATE" and current:
                return self.r53_error(400, "InvalidChangeBatch", "Tried to create resource record set [name='%s', type='TXT'] but it already exists" % name)
            plan.append((action, name, ttl, values))
            adds = action != "DELETE" and any(v[1:-1] not in [r["content"] for r in current] for v in values)
            if adds and self.creation_fails():
                return self.r53_error(500, "InternalFailure", "Internal failure (injected by the test)")
        for action, name, ttl, values in plan:
            for k in [k for k, r in STATE.records.items() if r["zone"] == zone and r["name"] == name and r["type"] == "TXT"]:
                del STATE.records[k]
            if action != "DELETE":
                for v in values:
                    STATE.next_id += 1
                    STATE.records[str(STATE.next_id)] = dict(zone=zone, name=name, type="TXT", content=v[1:-1], ttl=ttl)
            STATE.publish(name)
        STATE.next_id += 1
        cid = "C%010d" % STATE.next_id
        STATE.changes[cid] = 0
        self.r53_xml(200, '<?xml version="1.0"?>\n<ChangeResourceRecordSetsResponse%s><ChangeInfo><Id>/change/%s</Id>'
                     "<Status>PENDING</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo>"
                     "</ChangeResourceRecordSetsResponse>" % (ns, cid))

    # --- Cloudflare API v4 ----------------------------------------------------------------
    def cf_error(self, status, code, message):
        self.send_json(status, {"success": False, "errors": [{"code": code, "message": message}],
                                "messages": [], "result": None})

    def cf_ok(self, result, info=None):
        out = {"success": True, "errors": [], "messages": [], "result": result}
        if info is not None:
            out["result_info"] = info
        self.send_json(200, out)

    def cf_record(self, rid):
        r = STATE.records[rid]
        return {"id": rid, "zone_id": STATE.zones[r["zone"]], "zone_name": r["zone"], "name": r["name"],
                "type": r["type"], "content": r["content"], "ttl": r["ttl"], "proxiable": False,
                "proxied": False}

    def cloudflare(self, path, query, body):
        # Authentication: an API token (Authorization: Bearer) or the Global API Key
        # (X-Auth-Email + X-Auth-Key); wrong ones answer 9109 / 9103 as Cloudflare does.
        if self.headers.get("Authorization"):
            if not self.bearer_ok():
                return self.cf_error(403, 9109, "Invalid access token")
        elif self.headers.get("X-Auth-Key") or self.headers.get("X-Auth-Email"):
            if self.headers.get("X-Auth-Key") != ARGS.secret or self.headers.get("X-Auth-Email") != ARGS.email:
                return self.cf_error(403, 9103, "Unknown X-Auth-Key or X-Auth-Email")
        else:
            return self.cf_error(400, 6003, "Invalid request headers")
        if self.command == "GET" and path == "/client/v4/zones":
            zones = [{"id": zid, "name": z, "status": "active"} for z, zid in STATE.zones.items()
                     if "name" not in query or query["name"] == z]
            per_page = int(query.get("per_page", "20"))
            return self.cf_ok(zones[:per_page], {"page": 1, "per_page": per_page, "count": len(zones[:per_page]),
                                                 "total_count": len(zones)})
        zone, rid = self.zone_and_record(r"/client/v4/zones/([0-9a-f]{32})/dns_records(?:/([0-9a-f]{32}))?", path)
        if zone is None:
            return self.cf_error(404, 7003, "Could not route to %s, perhaps your object identifier is invalid?" % path)
        if self.command == "POST" and rid is None:
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("content"), str) \
                    or not isinstance(body.get("ttl"), int) or not (body["ttl"] == 1 or 60 <= body["ttl"] <= 86400):
                return self.cf_error(400, 9000, "DNS name is invalid or the request body is malformed")
            name = body.get("name", "")
            if not (name == zone or name.endswith("." + zone)):
                return self.cf_error(400, 9005, "Content for the record name is outside the zone")
            if self.creation_fails():
                return self.cf_error(500, 10000, "Internal server error (injected by the test)")
            new = STATE.add(zone, name, "TXT", body["content"], body["ttl"])
            return self.cf_ok(self.cf_record(new))
        if self.command == "GET" and rid is None:
            found = [self.cf_record(k) for k, r in STATE.records.items() if r["zone"] == zone
                     and all(query[f] == r[f] for f in ("type", "name", "content") if f in query)]
            per_page = int(query.get("per_page", "100"))
            return self.cf_ok(found[:per_page], {"page": 1, "per_page": per_page, "total_count": len(found)})
        if self.command == "DELETE" and rid is not None:
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.cf_error(404, 81044, "Record does not exist.")
            STATE.delete(rid)
            return self.cf_ok({"id": rid})
        self.cf_error(405, 10000, "Method not allowed")

    # --- DigitalOcean API v2 --------------------------------------------------------------
    def do_error(self, status, ident, message):
        self.send_json(status, {"id": ident, "message": message})

    def do_page(self, key, items, query, base):
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "20"))
        chunk = items[(page - 1) * per_page:page * per_page]
        pages = {}
        if page * per_page < len(items):
            q = dict(query, page=str(page + 1))
            pages["next"] = "https://%s%s?%s" % (self.headers.get("Host"), base, urllib.parse.urlencode(q))
        self.send_json(200, {key: chunk, "links": {"pages": pages}, "meta": {"total": len(items)}})

    def do_record(self, rid):
        r = STATE.records[rid]
        rel = "@" if r["name"] == r["zone"] else r["name"][:-len(r["zone"]) - 1]
        return {"id": int(rid), "type": r["type"], "name": rel, "data": r["content"], "ttl": r["ttl"],
                "priority": None, "port": None, "weight": None, "flags": None, "tag": None}

    def digitalocean(self, path, query, body):
        path = path.rstrip("/")  # the API takes /v2/domains/ as /v2/domains (python-digitalocean sends it)
        if not self.bearer_ok():
            return self.do_error(401, "unauthorized", "Unable to authenticate you")
        if self.command == "GET" and path == "/v2/domains":
            items = [{"name": z, "ttl": 1800, "zone_file": ""} for z in STATE.zones]
            return self.do_page("domains", items, query, path)
        m = re.fullmatch(r"/v2/domains/([^/]+)/records(?:/([0-9]+))?", path)
        if not m or m.group(1) not in STATE.zones:
            return self.do_error(404, "not_found", "The resource you were accessing could not be found.")
        zone, rid = m.group(1), m.group(2)
        if self.command == "POST" and rid is None:
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("data"), str) \
                    or not isinstance(body.get("name"), str) or not body["name"] or body["name"].endswith(zone) \
                    or not isinstance(body.get("ttl"), int) or body["ttl"] < 30:
                return self.do_error(422, "unprocessable_entity", "Name, type, data and a ttl of 30 or more are required; the name is relative to the domain")
            if self.creation_fails():
                return self.do_error(500, "server_error", "Server was unable to give you a response (injected by the test)")
            name = zone if body["name"] == "@" else body["name"] + "." + zone
            new = STATE.add(zone, name, "TXT", body["data"], body["ttl"])
            return self.send_json(201, {"domain_record": self.do_record(new)})
        if self.command == "GET" and rid is None:
            # type and name (the full name) filter, as the API reference documents.
            items = [self.do_record(k) for k, r in STATE.records.items() if r["zone"] == zone
                     and ("type" not in query or query["type"] == r["type"])
                     and ("name" not in query or query["name"] == r["name"])]
            return self.do_page("domain_records", items, query, path)
        if self.command == "DELETE" and rid is not None:
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.do_error(404, "not_found", "The resource you were accessing could not be found.")
            STATE.delete(rid)
            return self.send_json(204, None)
        self.do_error(405, "method_not_allowed", "Method not allowed")

    # --- Linode API v4 --------------------------------------------------------------------
    def li_error(self, status, reason, field=None):
        e = {"reason": reason}
        if field:
            e["field"] = field
        self.send_json(status, {"errors": [e]})

    def li_page(self, items, query):
        page, size = int(query.get("page", "1")), int(query.get("page_size", "100"))
        if not 25 <= size <= 500:
            return self.li_error(400, "Must be 25-500", "page_size")
        pages = max(1, (len(items) + size - 1) // size)
        self.send_json(200, {"data": items[(page - 1) * size:page * size], "page": page, "pages": pages,
                             "results": len(items)})

    def li_record(self, rid):
        r = STATE.records[rid]
        rel = "" if r["name"] == r["zone"] else r["name"][:-len(r["zone"]) - 1]
        return {"id": int(rid), "type": r["type"], "name": rel, "target": r["content"], "ttl_sec": r["ttl"],
                "priority": 0, "weight": 0, "port": 0, "service": None, "protocol": None, "tag": None}

    def linode(self, path, query, body):
        if not self.bearer_ok():
            return self.li_error(401, "Invalid Token")
        if self.command == "GET" and path == "/v4/domains":
            # X-Filter: {"domain": NAME} narrows the list, as the API reference's filtering.
            try:
                flt = json.loads(self.headers.get("X-Filter") or "{}")
            except ValueError:
                return self.li_error(400, "Invalid JSON in X-Filter")
            items = [{"id": int(zid), "domain": z, "type": "master", "status": "active"}
                     for z, zid in STATE.zones.items() if flt.get("domain", z) == z]
            return self.li_page(items, query)
        zone, rid = self.zone_and_record(r"/v4/domains/([0-9]+)/records(?:/([0-9]+))?", path)
        if zone is None:
            return self.li_error(404, "Not found")
        if self.command == "POST" and rid is None:
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("target"), str) \
                    or not isinstance(body.get("name"), str) or body["name"].endswith(zone):
                return self.li_error(400, "type, name (relative to the domain) and target are required")
            if "ttl_sec" in body and not isinstance(body["ttl_sec"], int):
                return self.li_error(400, "ttl_sec must be an integer", "ttl_sec")
            if self.creation_fails():
                return self.li_error(500, "Internal server error (injected by the test)")
            name = zone if body["name"] == "" else body["name"] + "." + zone
            new = STATE.add(zone, name, "TXT", body["target"], body.get("ttl_sec", 0))
            return self.send_json(200, self.li_record(new))
        if self.command == "GET" and rid is None:
            return self.li_page([self.li_record(k) for k, r in STATE.records.items() if r["zone"] == zone], query)
        if self.command == "DELETE" and rid is not None:
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.li_error(404, "Not found")
            STATE.delete(rid)
            return self.send_json(200, {})
        self.li_error(405, "Method not allowed")

    # --- DNSimple API v2 ------------------------------------------------------------------
    # The account the test token reaches: 1010, with a plan; 1011 has none (lexicon and the
    # plugin skip it) and holds no zones.
    def ds_error(self, status, message):
        self.send_json(status, {"message": message})

    def ds_page(self, items, query):
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "30"))
        if not 1 <= per_page <= 100:
            return self.ds_error(400, "per_page must be between 1 and 100")
        pages = max(1, (len(items) + per_page - 1) // per_page)
        self.send_json(200, {"data": items[(page - 1) * per_page:page * per_page],
                             "pagination": {"current_page": page, "per_page": per_page,
                                            "total_entries": len(items), "total_pages": pages}})

    def ds_record(self, rid):
        r = STATE.records[rid]
        rel = "" if r["name"] == r["zone"] else r["name"][:-len(r["zone"]) - 1]
        return {"id": int(rid), "zone_id": r["zone"], "parent_id": None, "name": rel, "content": r["content"],
                "ttl": r["ttl"], "priority": None, "type": r["type"], "regions": ["global"],
                "system_record": False, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}

    def ds_zone(self, z):
        return {"id": int(STATE.zones[z]), "account_id": 1010, "name": z, "reverse": False,
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}

    def dnsimple(self, path, query, body):
        if not self.bearer_ok():
            return self.ds_error(401, "Authentication failed")
        if self.command == "GET" and path == "/v2/accounts":
            return self.send_json(200, {"data": [
                {"id": 1010, "email": "ops@x.test", "plan_identifier": "teams-v1-monthly",
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
                {"id": 1011, "email": "old@x.test", "plan_identifier": None,
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}]})
        m = re.fullmatch(r"/v2/([0-9]+)/(domains|zones)(?:/([^/]+)(?:/(records)(?:/([0-9]+))?)?)?", path)
        if not m or m.group(1) not in ("1010", "1011"):
            return self.ds_error(404, "Not found")
        account, kind, zone, records, rid = m.groups()
        zones = STATE.zones if account == "1010" else {}
        if kind == "domains" and zone is None and self.command == "GET":
            # name_like filters by substring, as the API reference says (lexicon relies on it).
            items = [dict(self.ds_zone(z), state="hosted") for z in zones if query.get("name_like", "") in z]
            return self.ds_page(items, query)
        if kind != "zones" or zone is None:
            return self.ds_error(405, "Method not allowed")
        if zone not in zones:
            return self.ds_error(404, "Zone `%s` not found" % zone)
        if records is None and self.command == "GET":
            return self.send_json(200, {"data": self.ds_zone(zone)})
        if records and rid is None and self.command == "POST":
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("content"), str) \
                    or not isinstance(body.get("name"), str) or body["name"].endswith(zone) \
                    or not isinstance(body.get("ttl", 3600), int):
                return self.ds_error(400, "Validation failed: name (relative), type and content are required")
            if self.creation_fails():
                return self.ds_error(500, "Internal server error (injected by the test)")
            name = zone if body["name"] == "" else body["name"] + "." + zone
            new = STATE.add(zone, name, "TXT", body["content"], body.get("ttl", 3600))
            return self.send_json(201, {"data": self.ds_record(new)})
        if records and rid is None and self.command == "GET":
            items = [self.ds_record(k) for k, r in STATE.records.items() if r["zone"] == zone
                     and ("type" not in query or query["type"] == r["type"])]
            items = [i for i in items if "name" not in query or i["name"] == query["name"]]
            return self.ds_page(items, query)
        if records and rid is not None and self.command == "DELETE":
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.ds_error(404, "Record `%s` not found" % rid)
            STATE.delete(rid)
            return self.send_json(204, None)
        self.ds_error(405, "Method not allowed")

    # --- Gehirn DNS API v1 ----------------------------------------------------------------
    # Record sets are built from STATE.records (one set per zone, name and type; the set's id
    # is derived from them); a PUT replaces the set's values.
    def basic_ok(self):
        import base64
        return self.headers.get("Authorization") == "Basic " + base64.b64encode(ARGS.secret.encode()).decode()

    def gh_error(self, status, code, message):
        self.send_json(status, {"code": code, "message": message})

    @staticmethod
    def gh_set_id(zone, name, rtype):
        import hashlib
        return hashlib.sha1(("%s|%s|%s" % (zone, name, rtype)).encode()).hexdigest()[:24]

    def gh_sets(self, zone):
        sets = {}
        for r in STATE.records.values():
            if r["zone"] != zone:
                continue
            sid = self.gh_set_id(zone, r["name"], r["type"])
            s = sets.setdefault(sid, {"id": sid, "name": r["name"] + ".", "type": r["type"], "ttl": r["ttl"],
                                      "enable_alias": False, "records": []})
            s["records"].append({"data": r["content"]})
        return sets

    def gh_replace(self, zone, name, values, ttl):
        for k in [k for k, r in STATE.records.items() if r["zone"] == zone and r["name"] == name and r["type"] == "TXT"]:
            del STATE.records[k]
        for v in values:
            STATE.next_id += 1
            STATE.records[str(STATE.next_id)] = dict(zone=zone, name=name, type="TXT", content=v, ttl=ttl)
        STATE.publish(name)

    def gehirn(self, path, query, body):
        if not self.basic_ok():
            return self.gh_error(401, "unauthorized", "Unauthorized")
        zone_ids = {z: "%08x-0000-4000-8000-%012x" % (0x9e000000 + int(zid), int(zid)) for z, zid in STATE.zones.items()}
        version = lambda z: "%08x-0000-4000-8000-%012x" % (0x7e000000 + int(STATE.zones[z]), 1)
        if self.command == "GET" and path == "/dns/v1/zones":
            return self.send_json(200, [{"id": zone_ids[z], "name": z, "current_version_id": version(z),
                                         "current_version": {"id": version(z), "name": "1", "editable": True},
                                         "created_at": "2026-01-01T00:00:00Z"} for z in STATE.zones])
        m = re.fullmatch(r"/dns/v1/zones/([0-9a-f-]+)/versions/([0-9a-f-]+)/records(?:/([0-9a-f]+))?", path)
        zone = next((z for z, zid in zone_ids.items() if m and zid == m.group(1)), None)
        if not m or zone is None or m.group(2) != version(zone):
            return self.gh_error(404, "not_found", "Not Found")
        sets, sid = self.gh_sets(zone), m.group(3)
        if self.command == "GET" and sid is None:
            return self.send_json(200, list(sets.values()))
        if self.command in ("POST", "PUT"):
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("name"), str) \
                    or not body["name"].endswith(zone + ".") or not isinstance(body.get("ttl"), int) \
                    or not isinstance(body.get("records"), list) or not body["records"] \
                    or any(not isinstance(r, dict) or not isinstance(r.get("data"), str) for r in body["records"]):
                return self.gh_error(400, "invalid_parameter", "type, name (absolute, with the final dot), ttl and records are required")
            name = body["name"][:-1]
            target = self.gh_set_id(zone, name, "TXT")
            if self.command == "POST" and (sid is not None or target in sets):
                return self.gh_error(409, "conflict", "The record set already exists")
            if self.command == "PUT" and (sid not in sets or sid != target):
                return self.gh_error(404, "not_found", "Not Found")
            values = [r["data"] for r in body["records"]]
            old = [r["data"] for r in sets[sid]["records"]] if sid in sets else []
            if any(v not in old for v in values) and self.creation_fails():
                return self.gh_error(500, "internal_error", "Internal server error (injected by the test)")
            self.gh_replace(zone, name, values, body["ttl"])
            return self.send_json(200, self.gh_sets(zone)[target])
        if self.command == "DELETE" and sid is not None:
            if sid not in sets:
                return self.gh_error(404, "not_found", "Not Found")
            self.gh_replace(zone, sets[sid]["name"][:-1], [], 0)
            return self.send_json(200, sets[sid])
        self.gh_error(405, "method_not_allowed", "Method Not Allowed")

    # --- Sakura Cloud API 1.1 -------------------------------------------------------------
    # Each zone is a DNS appliance (ID "1129000000NN"); its record list is STATE.records, the
    # members a real appliance keeps that the plugin does not know (the NS of someone else's
    # records, "Icon", "Tags"...) are sent too and must come back unchanged.
    def sc_error(self, status, code, message):
        self.send_json(status, {"is_fatal": True, "serial": "0123456789abcdef", "status": "%d %s" % (
            status, {401: "Unauthorized", 404: "Not Found", 400: "Bad Request"}.get(status, "Error")),
            "error_code": code, "error_msg": message})

    def sc_item(self, zone):
        sets = []
        for r in STATE.records.values():
            if r["zone"] == zone:
                rel = "@" if r["name"] == zone else r["name"][:-len(zone) - 1]
                sets.append({"Name": rel, "Type": r["type"], "RData": r["content"], "TTL": r["ttl"]})
        sets.insert(0, {"Name": "www", "Type": "A", "RData": "192.0.2.1", "TTL": 3600})
        return {"Index": 0, "ID": "1129000000%02d" % (int(STATE.zones[zone]) - 1000), "Name": zone,
                "Description": "", "Settings": {"DNS": {"ResourceRecordSets": sets}}, "SettingsHash": "x",
                "Status": {"Zone": zone, "NS": ["ns1.gslb1.sakura.ne.jp", "ns2.gslb1.sakura.ne.jp"]},
                "ServiceClass": "cloud/dns", "Availability": "available", "Icon": None, "Tags": [],
                "Provider": {"ID": 2000001, "Class": "dns", "Name": "gslb1.sakura.ne.jp", "ServiceClass": "cloud/dns"}}

    def sakuracloud(self, path, query, body):
        if not self.basic_ok():
            return self.sc_error(401, "unauthorized", "Authentication failed")
        ids = {"1129000000%02d" % (int(zid) - 1000): z for z, zid in STATE.zones.items()}
        if self.command == "GET" and path == "/cloud/1.1/commonserviceitem":
            raw = urllib.parse.unquote(urllib.parse.urlsplit(self.path).query)
            try:
                flt = json.loads(raw).get("Filter", {}) if raw else {}
            except (ValueError, AttributeError):
                return self.sc_error(400, "bad_request", "The query is not JSON")
            items = [self.sc_item(z) for z in STATE.zones
                     if flt.get("Provider.Class", "dns") == "dns" and flt.get("Name", z) == z]
            return self.send_json(200, {"From": 0, "Count": len(items), "Total": len(items),
                                        "CommonServiceItems": items, "is_ok": True})
        m = re.fullmatch(r"/cloud/1.1/commonserviceitem/([0-9]+)", path)
        if not m or m.group(1) not in ids:
            return self.sc_error(404, "not_found", "Resource not found")
        zone = ids[m.group(1)]
        if self.command == "GET":
            return self.send_json(200, {"CommonServiceItem": self.sc_item(zone), "is_ok": True})
        if self.command == "PUT":
            try:
                sets = body["CommonServiceItem"]["Settings"]["DNS"]["ResourceRecordSets"]
                assert isinstance(sets, list)
                assert all(isinstance(x, dict) and isinstance(x.get("Name"), str) and isinstance(x.get("Type"), str)
                           and isinstance(x.get("RData"), str) and isinstance(x.get("TTL", 0), int) for x in sets)
            except (KeyError, TypeError, AssertionError):
                return self.sc_error(400, "bad_request", "CommonServiceItem.Settings.DNS.ResourceRecordSets is required")
            if {"Name": "www", "Type": "A", "RData": "192.0.2.1", "TTL": 3600} not in sets:
                return self.sc_error(400, "bad_request", "test: a record the plugin did not own was dropped")
            before = [(x["Name"], x["RData"]) for x in self.sc_item(zone)["Settings"]["DNS"]["ResourceRecordSets"]]
            if any((x["Name"], x["RData"]) not in before for x in sets) and self.creation_fails():
                return self.sc_error(500, "internal_error", "Internal server error (injected by the test)")
            for k in [k for k, r in STATE.records.items() if r["zone"] == zone]:
                name = STATE.records[k]["name"]
                del STATE.records[k]
                STATE.publish(name)
            for x in sets:
                if x["Type"] != "TXT":
                    continue
                name = zone if x["Name"] == "@" else x["Name"] + "." + zone
                STATE.next_id += 1
                STATE.records[str(STATE.next_id)] = dict(zone=zone, name=name, type="TXT", content=x["RData"], ttl=x.get("TTL", 3600))
                STATE.publish(name)
            return self.send_json(200, {"CommonServiceItem": self.sc_item(zone), "Success": True, "is_ok": True})
        self.sc_error(405, "method_not_allowed", "Method not allowed")

    # --- NS1 API v1 -----------------------------------------------------------------------
    def ns_record(self, zone, name):
        recs = [r for r in STATE.records.values() if r["zone"] == zone and r["name"] == name and r["type"] == "TXT"]
        if not recs:
            return None
        return {"id": self.gh_set_id(zone, name, "TXT"), "zone": zone, "domain": name, "type": "TXT",
                "ttl": recs[0]["ttl"], "use_client_subnet": True, "meta": {}, "regions": {}, "filters": [],
                "tier": 1, "answers": [{"answer": [r["content"]], "id": "%024x" % i} for i, r in enumerate(recs)]}

    def nsone(self, path, query, body):
        if self.headers.get("X-NSONE-Key") != ARGS.secret:
            return self.send_json(401, {"message": "Unauthorized"})
        m = re.fullmatch(r"/v1/zones/([^/]+)(?:/([^/]+)/(TXT))?", path)
        if not m:
            return self.send_json(404, {"message": "Not Found"})
        zone, name, rtype = m.groups()
        if zone not in STATE.zones:
            return self.send_json(404, {"message": "zone not found"})
        if name is None:
            if self.command != "GET":
                return self.send_json(405, {"message": "Method not allowed"})
            return self.send_json(200, {"id": "%024x" % int(STATE.zones[zone]), "zone": zone, "ttl": 3600,
                                        "records": [{"domain": r["name"], "type": r["type"], "ttl": r["ttl"],
                                                     "short_answers": [r["content"]]}
                                                    for r in STATE.records.values() if r["zone"] == zone]})
        if not (name == zone or name.endswith("." + zone)):
            return self.send_json(400, {"message": "record %s is not in zone %s" % (name, zone)})
        current = self.ns_record(zone, name)
        if self.command == "GET":
            return self.send_json(200, current) if current else self.send_json(404, {"message": "record not found"})
        if self.command == "DELETE":
            if not current:
                return self.send_json(404, {"message": "record not found"})
            self.gh_replace(zone, name, [], 0)
            return self.send_json(200, {})
        if self.command in ("PUT", "POST"):
            if self.command == "PUT" and current:
                return self.send_json(400, {"message": "record already exists"})
            if self.command == "POST" and not current:
                return self.send_json(404, {"message": "record not found"})
            answers = body.get("answers") if isinstance(body, dict) else None
            if not isinstance(answers, list) or not answers or any(
                    not isinstance(a, dict) or not isinstance(a.get("answer"), list) or len(a["answer"]) != 1
                    or not isinstance(a["answer"][0], str) for a in answers):
                return self.send_json(400, {"message": "answers: a list of {\"answer\": [TEXT]} is required"})
            if self.command == "PUT" and (body.get("zone") != zone or body.get("domain") != name
                                          or body.get("type") != "TXT" or not isinstance(body.get("ttl"), int)):
                return self.send_json(400, {"message": "zone, domain, type and ttl must match the URL"})
            values = [a["answer"][0] for a in answers]
            old = [a["answer"][0] for a in current["answers"]] if current else []
            if any(v not in old for v in values) and self.creation_fails():
                return self.send_json(500, {"message": "Internal server error (injected by the test)"})
            self.gh_replace(zone, name, values, body.get("ttl", current["ttl"] if current else 3600))
            return self.send_json(200, self.ns_record(zone, name))
        self.send_json(405, {"message": "Method not allowed"})

    # --- LuaDNS REST API v1 ---------------------------------------------------------------
    def lua_record(self, rid):
        r = STATE.records[rid]
        return {"id": int(rid), "name": r["name"] + ".", "type": r["type"], "content": r["content"],
                "ttl": r["ttl"], "zone_id": int(STATE.zones[r["zone"]]), "generated": False,
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}

    def luadns(self, path, query, body):
        if self.headers.get("Accept") != "application/json":
            return self.send_json(406, {"status": "Not Acceptable", "message": "Accept: application/json is required"})
        if not self.basic_ok():
            return self.send_json(401, {"status": "Unauthorized", "message": "Invalid email or API key"})
        if self.command == "GET" and path == "/v1/zones":
            return self.send_json(200, [{"id": int(zid), "name": z, "synced": False, "queries_count": 0,
                                         "records_count": 0, "aliases_count": 0, "redirects_count": 0,
                                         "forwards_count": 0, "template_id": 0} for z, zid in STATE.zones.items()])
        zone, rid = self.zone_and_record(r"/v1/zones/([0-9]+)/records(?:/([0-9]+))?", path)
        if zone is None:
            return self.send_json(404, {"status": "Not Found", "message": "Zone not found"})
        if self.command == "GET" and rid is None:
            return self.send_json(200, [self.lua_record(k) for k, r in STATE.records.items() if r["zone"] == zone])
        if self.command == "POST" and rid is None:
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("content"), str) \
                    or not isinstance(body.get("name"), str) or not body["name"].endswith(zone + ".") \
                    or not isinstance(body.get("ttl"), int):
                return self.send_json(400, {"status": "Bad Request", "message": "name (absolute, with the final dot), type, content and ttl are required"})
            if self.creation_fails():
                return self.send_json(500, {"status": "Internal Server Error", "message": "Internal server error (injected by the test)"})
            new = STATE.add(zone, body["name"][:-1], "TXT", body["content"], body["ttl"])
            return self.send_json(200, self.lua_record(new))
        if self.command == "DELETE" and rid is not None:
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.send_json(404, {"status": "Not Found", "message": "Record not found"})
            gone = self.lua_record(rid)
            STATE.delete(rid)
            return self.send_json(200, gone)
        self.send_json(405, {"status": "Method Not Allowed", "message": "Method not allowed"})

    # --- DNS Made Easy API v2.0 -----------------------------------------------------------
    def dme_error(self, status, *messages):
        self.send_json(status, {"error": list(messages)})

    def dme_record(self, rid):
        r = STATE.records[rid]
        rel = "" if r["name"] == r["zone"] else r["name"][:-len(r["zone"]) - 1]
        return {"id": int(rid), "name": rel, "type": r["type"], "value": '"%s"' % r["content"], "ttl": r["ttl"],
                "gtdLocation": "DEFAULT", "source": 1, "sourceId": int(STATE.zones[r["zone"]]),
                "dynamicDns": False, "failover": False, "monitor": False, "hardLink": False, "failed": False}

    def dnsmadeeasy(self, path, query, body):
        import email.utils
        import hashlib
        import hmac
        import time
        api_key, secret = ARGS.secret.split(":", 1)
        date = self.headers.get("x-dnsme-requestDate") or ""
        try:
            skew = abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time())
        except (TypeError, ValueError):
            skew = None
        expected = hmac.new(secret.encode(), date.encode(), hashlib.sha1).hexdigest()
        if self.headers.get("x-dnsme-apiKey") != api_key:
            return self.dme_error(403, "API key not found")
        if skew is None or skew > 300 or self.headers.get("x-dnsme-hmac") != expected:
            return self.dme_error(403, "Invalid HMAC or request date")
        if self.command == "GET" and path == "/V2.0/dns/managed/name":
            z = query.get("domainname", "")
            if z not in STATE.zones:
                return self.send_json(404, None)
            return self.send_json(200, {"id": int(STATE.zones[z]), "name": z, "gtdEnabled": False,
                                        "created": 1767225600000, "updated": 1767225600000})
        zone, rid = self.zone_and_record(r"/V2.0/dns/managed/([0-9]+)/records/?(?:([0-9]+))?", path)
        if zone is None:
            return self.dme_error(404, "Domain not found")
        if self.command == "GET" and rid is None:
            items = [self.dme_record(k) for k, r in STATE.records.items() if r["zone"] == zone
                     and ("type" not in query or query["type"] == r["type"])]
            items = [i for i in items if "recordName" not in query or i["name"] == query["recordName"]]
            return self.send_json(200, {"totalRecords": len(items), "totalPages": 1, "data": items, "page": 0})
        if self.command == "POST" and rid is None:
            if not isinstance(body, dict) or body.get("type") != "TXT" or not isinstance(body.get("value"), str) \
                    or not isinstance(body.get("name"), str) or body["name"].endswith(zone) \
                    or not isinstance(body.get("ttl"), int):
                return self.dme_error(400, "Record name (relative), type, value and ttl are required")
            if self.creation_fails():
                return self.dme_error(500, "Internal server error (injected by the test)")
            name = zone if body["name"] == "" else body["name"] + "." + zone
            new = STATE.add(zone, name, "TXT", body["value"], body["ttl"])
            return self.send_json(201, self.dme_record(new))
        if self.command == "DELETE" and rid is not None:
            if rid not in STATE.records or STATE.records[rid]["zone"] != zone:
                return self.dme_error(404, "Record not found")
            STATE.delete(rid)
            return self.send_json(200, None)
        self.dme_error(405, "Method not allowed")


def main():
    global ARGS, STATE
    p = argparse.ArgumentParser()
    p.add_argument("--provider", required=True, choices=["cloudflare", "digitalocean", "linode", "route53", "google", "ovh", "dnsimple", "gehirn", "sakuracloud", "nsone", "luadns", "dnsmadeeasy"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--challtestsrv", required=True)
    p.add_argument("--zone", action="append", required=True)
    p.add_argument("--secret", required=True, help="the API token / key (route53: KEY_ID:SECRET; google: the service account JSON file; ovh: AK:AS:CK; gehirn, sakuracloud, luadns: USER:PASSWORD of Basic authentication)")
    p.add_argument("--email", default="", help="Cloudflare Global API Key account")
    ARGS = p.parse_args()
    STATE = State(ARGS)
    httpd = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print("listening on 127.0.0.1:%d" % ARGS.port, flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
