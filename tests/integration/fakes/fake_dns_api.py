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
  Amazon Route 53        https://docs.aws.amazon.com/Route53/latest/APIReference/ (2013-04-01;
                         SigV4 verified with botocore's signer, so run it with Debian's python3)

Test control (not part of any provider's API), under /_fake/:
  GET  /_fake/records          every record held: [{"id", "zone", "name", "type", "content"}]
  POST /_fake/config           {"fail_create_after": N}: record creations after the N-th answer
                               HTTP 500 with the provider's error body (an API error mid-run)
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
            STATE.created = 0
            return self.send_json(200, {})
        self.send_json(404, {})

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
            return self.send_json(200, {"kind": "dns#change", "id": m.group(4), "status": "done"})
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
            status = "INSYNC" if STATE.changes[m.group(1)] > 1 else "PENDING"
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
        m = re.fullmatch(r"/client/v4/zones/([0-9a-f]{32})/dns_records(?:/([0-9a-f]{32}))?", path)
        zone = next((z for z, zid in STATE.zones.items() if m and zid == m.group(1)), None)
        if not m or zone is None:
            return self.cf_error(404, 7003, "Could not route to %s, perhaps your object identifier is invalid?" % path)
        rid = m.group(2)
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
        m = re.fullmatch(r"/v4/domains/([0-9]+)/records(?:/([0-9]+))?", path)
        zone = next((z for z, zid in STATE.zones.items() if m and zid == m.group(1)), None)
        if not m or zone is None:
            return self.li_error(404, "Not found")
        rid = m.group(2)
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


def main():
    global ARGS, STATE
    p = argparse.ArgumentParser()
    p.add_argument("--provider", required=True, choices=["cloudflare", "digitalocean", "linode", "route53", "google", "ovh"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--challtestsrv", required=True)
    p.add_argument("--zone", action="append", required=True)
    p.add_argument("--secret", required=True, help="the API token / key (route53: KEY_ID:SECRET; google: the service account JSON file; ovh: AK:AS:CK)")
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
