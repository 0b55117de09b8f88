#!/usr/bin/env python3
"""The same listing with Huawei's official Python SDK (huaweicloudsdkvpn + huaweicloudsdkcore),
for `cargo xtask bench`. Plain http:// endpoints work: the SDK keeps an endpoint that already
starts with "http" and only prefixes https:// to bare hosts. Fake AK/SK; the SDK signs anyway.

Prints the connections as JSON to stdout (like `p2c-vpn ... --output json`).
"""
import argparse
import json
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkvpn.v5 import ListP2cVgwConnectionsRequest, VpnClient


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--project-id", required=True)
    p.add_argument("--gateway", required=True)
    p.add_argument("--limit", type=int)
    p.add_argument("--all", action="store_true")
    p.add_argument("--page-size", type=int, default=100)
    a = p.parse_args()
    client = (
        VpnClient.new_builder()
        .with_credentials(BasicCredentials("BENCHAK", "bench-secret-key", a.project_id))
        .with_endpoints([a.endpoint])
        .build()
    )
    out = []
    if a.all:
        offset = 0
        while True:
            resp = client.list_p2c_vgw_connections(
                ListP2cVgwConnectionsRequest(p2c_vgw_id=a.gateway, limit=a.page_size, offset=offset))
            page = resp.connections or []
            out.extend(c.to_dict() for c in page)
            offset += len(page)
            if len(page) < a.page_size or (resp.total_count is not None and offset >= resp.total_count):
                break
    else:
        resp = client.list_p2c_vgw_connections(
            ListP2cVgwConnectionsRequest(p2c_vgw_id=a.gateway, limit=a.limit))
        out.extend(c.to_dict() for c in resp.connections or [])
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
