#!/usr/bin/env python3
"""Generate known-answer vectors for p2c-vpn-auth from Huawei's official signer.

Drives ``huaweicloudsdkcore.auth.credentials.BasicCredentials.sign_request`` —
the exact path the official Python SDK takes for every request (it adds
``X-Project-Id`` and ``X-Security-Token`` and then runs
``huaweicloudsdkcore.signer.signer.Signer``) — on fixed inputs with a fixed
``X-Sdk-Date`` header (the signer honours a date that is already present), and
prints JSON on stdout.  The canonical request and string to sign are captured
by wrapping the signer's own methods, so nothing here re-implements signing.

Run through ``make_vectors.sh``; the output is committed as
``signer_vectors.json`` and read by ``tests/official_vectors.rs``.
"""

import json
import sys
from importlib.metadata import version

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer import signer as signer_mod

AK = "HPUAEXAMPLEAK0000001"
SK = "ExampleSecretKey0123456789abcdefghijklmn"
TOKEN = "gQpjbi1ub3J0aC00tokenEXAMPLE+/=="
PROJECT = "0123456789abcdef0123456789abcdef"
GW = "b1c2d3e4-0000-4000-8000-000000000001"
HOST = "vpn.cn-north-4.myhuaweicloud.com"
DATE = "20240102T030405Z"
CONNECTIONS = "/v5/%s/p2c-vpn-gateways/%s/connections" % (PROJECT, GW)

CASES = [
    dict(name="no_query", path=CONNECTIONS, query=[],
         headers={"Content-Type": "application/json"}),
    dict(name="limit_offset", path=CONNECTIONS,
         query=[["limit", "100"], ["offset", "0"]],
         headers={"Content-Type": "application/json"}),
    dict(name="limit_offset_reversed_input", path=CONNECTIONS,
         query=[["offset", "20"], ["limit", "10"]], headers={}),
    dict(name="keys_sort_raw_not_encoded", path=CONNECTIONS,
         query=[["b", "1"], ["B", "2"], ["a:b", "3"], ["a%", "4"], ["\u00e9t\u00e9", "5"],
                ["~t", "6"], ["Z", "7"], ["a", "8"], ["a-b", "9"], ["a.b", "10"],
                ["a b", "11"], ["_u", "12"]],
         headers={}),
    dict(name="values_special_chars", path=CONNECTIONS,
         query=[["space", "a b"], ["plus", "a+b"], ["slash", "a/b"], ["star", "a*b"],
                ["tilde", "a~b"], ["unicode", "\u65e5\u672c\u00e9"], ["percent", "100%"],
                ["amp", "a&b=c"], ["quote", "'\"<>"], ["emoji", "\U0001F600"]],
         headers={}),
    dict(name="empty_value", path=CONNECTIONS,
         query=[["marker", ""], ["limit", "10"]], headers={}),
    dict(name="repeated_keys", path=CONNECTIONS,
         query=[["id", "b"], ["id", "10"], ["id", "a"], ["id", "1"], ["id", "B"], ["x", "0"]],
         headers={}),
    dict(name="path_trailing_slash", path=CONNECTIONS + "/", query=[["limit", "1"]],
         headers={}),
    dict(name="path_root", path="/", query=[], headers={}),
    dict(name="path_encoded_segments", path="/v5/a%20b/%C3%A9t%C3%A9/c%2Fd/x:y@z/%7Etilde/a+b",
         query=[], headers={}),
    dict(name="security_token", path=CONNECTIONS, query=[["limit", "100"], ["offset", "0"]],
         headers={}, security_token=TOKEN),
    dict(name="project_id_header", path=CONNECTIONS, query=[["limit", "100"], ["offset", "0"]],
         headers={"Content-Type": "application/json"}, project_id=PROJECT),
    dict(name="token_and_project", path=CONNECTIONS, query=[["limit", "100"]],
         headers={}, security_token=TOKEN, project_id=PROJECT),
    dict(name="non_default_port", scheme="https", port=8443, path=CONNECTIONS,
         query=[["limit", "5"]], headers={}),
    dict(name="http_non_default_port", scheme="http", host="127.0.0.1", port=18080,
         path=CONNECTIONS, query=[], headers={}),
    dict(name="headers_trimmed_and_underscore_skipped", path=CONNECTIONS, query=[],
         headers={"X-Custom": "  padded value\t", "X_Under_Score": "not signed",
                  "Api-Version": "v5", "X-Desc": "h\u00e9llo w\u00f6rld"}),
    dict(name="post_json_body", method="POST", path=CONNECTIONS, query=[],
         headers={"Content-Type": "application/json;charset=UTF-8"},
         body='{"name":"conn-1","limit":100}'),
    dict(name="post_non_json_unsigned_payload", method="POST", path=CONNECTIONS, query=[],
         headers={"Content-Type": "text/plain"}, body="hello"),
    dict(name="delete_empty_body", method="DELETE", path=CONNECTIONS + "/conn-1", query=[],
         headers={"Content-Type": "application/json"}, body=""),
]


def run_case(case):
    captured = {}
    orig_cr = signer_mod.Signer._process_canonical_request
    orig_sts = signer_mod.Signer._process_string_to_sign

    def cr(self, request, signed_headers):
        out = orig_cr(self, request, signed_headers)
        captured["canonical_request"] = out
        return out

    def sts(self, canonical_request, t):
        out = orig_sts(self, canonical_request, t)
        captured["string_to_sign"] = out
        return out

    signer_mod.Signer._process_canonical_request = cr
    signer_mod.Signer._process_string_to_sign = sts
    try:
        scheme = case.get("scheme", "https")
        host = case.get("host", HOST)
        port = case.get("port")
        netloc = host if port is None else "%s:%d" % (host, port)
        headers_in = dict(case["headers"])
        header_params = dict(headers_in)
        header_params["X-Sdk-Date"] = DATE
        body = case.get("body", "")
        request = SdkRequest(
            method=case.get("method", "GET"),
            schema=scheme,
            host=netloc,
            resource_path=case["path"],
            query_params=[tuple(p) for p in case["query"]],
            header_params=header_params,
            body=body,
        )
        creds = BasicCredentials(AK, SK, case.get("project_id"))
        if case.get("security_token") is not None:
            creds = creds.with_security_token(case["security_token"])
        creds.sign_request(request)
    finally:
        signer_mod.Signer._process_canonical_request = orig_cr
        signer_mod.Signer._process_string_to_sign = orig_sts

    return {
        "name": case["name"],
        "method": case.get("method", "GET"),
        "scheme": scheme,
        "host": host,
        "port": port,
        "path": case["path"],
        "query": case["query"],
        "headers_in": headers_in,
        "body": body,
        "date": DATE,
        "ak": AK,
        "sk": SK,
        "security_token": case.get("security_token"),
        "project_id": case.get("project_id"),
        "expected": {
            "canonical_request": captured["canonical_request"],
            "string_to_sign": captured["string_to_sign"],
            "authorization": request.header_params["Authorization"],
            # Headers as the SDK sends them (values re-encoded latin-1 for
            # `requests`; decode back to the UTF-8 text they carry).
            "headers_out": {
                k: v.encode("iso-8859-1").decode("utf-8") for k, v in request.header_params.items()
            },
            "request_uri": request.uri,
        },
    }


def main():
    out = {
        "generator": "tests/vectors/make_vectors.py",
        "sdk": "huaweicloudsdkcore",
        "sdk_version": version("huaweicloudsdkcore"),
        "python": sys.version.split()[0],
        "cases": [run_case(c) for c in CASES],
    }
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
