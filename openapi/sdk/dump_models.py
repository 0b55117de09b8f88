#!/usr/bin/env python3
"""Dump the request/response models of the P2C VPN and IAM operations used by
p2c-vpn from Huawei Cloud's official Python SDK into sdk_models.json.

Regenerate (from the workspace root):
    python3 -m venv /tmp/sdkvenv
    /tmp/sdkvenv/bin/pip install huaweicloudsdkcore==3.1.219 \
        huaweicloudsdkvpn==3.1.219 huaweicloudsdkiam==3.1.219
    /tmp/sdkvenv/bin/python openapi/sdk/dump_models.py

Output is deterministic (sorted keys, indent 2) so diffs between SDK versions
are meaningful. Descriptions are the SDK's own (mostly Chinese) docstrings.
"""

import importlib
import inspect
import json
import os
import re
import sys
from importlib import metadata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk_models.json")

# (service, client module, client class, model package, operation name)
OPERATIONS = [
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "ListP2cVgwConnections"),
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "ListP2cVgws"),
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "ShowP2cVgw"),
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "DeleteP2cVgwConnection"),
    # A gateway's connection-log configuration (where its logs go in LTS).
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "ShowVpnConnectionsLogConfig"),
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "UpdateVpnConnectionsLogConfig"),
    ("vpn", "huaweicloudsdkvpn.v5", "VpnClient", "huaweicloudsdkvpn.v5", "DeleteVpnConnectionsLogConfig"),
    ("iam", "huaweicloudsdkiam.v3", "IamClient", "huaweicloudsdkiam.v3", "KeystoneListProjects"),
]

PACKAGES = ["huaweicloudsdkcore", "huaweicloudsdkvpn", "huaweicloudsdkiam"]

PRIMITIVES = {"str", "int", "float", "bool", "object", "date", "datetime", "file"}


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def one_line(doc, limit=160):
    """First descriptive line of a generated getter docstring.

    Generated getters look like:
        Gets the X of this Y.\n\n<description>\n\n:return: ...
    We skip the "Gets the" line and ':return:'/':rtype:' lines.
    """
    if not doc:
        return ""
    for line in doc.strip().splitlines()[1:]:
        line = line.strip()
        if not line or line.startswith(":"):
            continue
        if len(line) > limit:
            line = line[: limit - 1] + "…"
        return line
    return ""


def referenced_models(type_str):
    """Model class names referenced by an openapi type string
    (e.g. 'list[Connection]', 'dict(str, Foo)', 'PageInfo')."""
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", type_str)
    return [n for n in names if n not in PRIMITIVES and n not in ("list", "dict")]


def required_attrs(cls):
    """Attributes assigned unconditionally in __init__ (=> required by the SDK)."""
    try:
        src = inspect.getsource(cls.__init__)
    except (OSError, TypeError):
        return []
    optional = set(re.findall(r"if (\w+) is not None:", src))
    assigned = set(re.findall(r"^\s*self\.(\w+) = \1\s*$", src, re.M))
    return sorted(assigned - optional)


def describe_model(cls):
    props = {}
    for attr, typ in cls.openapi_types.items():
        prop = getattr(cls, attr, None)
        doc = prop.fget.__doc__ if isinstance(prop, property) and prop.fget else None
        props[attr] = one_line(doc)
    return {
        "openapi_types": dict(cls.openapi_types),
        "attribute_map": dict(cls.attribute_map),
        "descriptions": props,
        "required": required_attrs(cls),
        "sensitive_list": list(getattr(cls, "sensitive_list", [])),
    }


def collect_models(pkg, root_name, out):
    stack = [root_name]
    while stack:
        name = stack.pop()
        if name in out:
            continue
        cls = getattr(pkg, name, None)
        if cls is None or not hasattr(cls, "openapi_types"):
            out[name] = {"error": "model class not found in %s" % pkg.__name__}
            continue
        out[name] = describe_model(cls)
        for typ in cls.openapi_types.values():
            stack.extend(referenced_models(typ))


def dump_operation(client_mod, client_cls_name, model_pkg, op):
    mod = importlib.import_module(client_mod)
    client_cls = getattr(mod, client_cls_name)
    pkg = importlib.import_module(model_pkg)
    req_cls = getattr(pkg, op + "Request")
    resp_cls_name = op + "Response"

    # The *_http_info helpers are classmethods; a request with all attributes
    # present (None) makes them list every path/query param they know.
    http_info_fn = getattr(client_cls, "_%s_http_info" % snake(op))
    info = http_info_fn(req_cls())

    path_in_template = re.findall(r"\{(\w+)\}", info["resource_path"])
    req_types = req_cls.openapi_types
    req_desc = describe_model(req_cls)["descriptions"]
    req_required = set(required_attrs(req_cls))

    def param(name, wire, location):
        return {
            "name": wire,
            "attribute": name,
            "in": location,
            "python_type": req_types.get(name),
            "required": name in req_required,
            "description": req_desc.get(name, ""),
        }

    attr_by_wire = {v: k for k, v in req_cls.attribute_map.items()}
    path_params = []
    for wire in path_in_template:
        if wire in info["path_params"]:
            path_params.append(param(attr_by_wire.get(wire, wire), wire, "path"))
        else:
            # e.g. project_id: filled from BasicCredentials, not the request model
            path_params.append({"name": wire, "in": "path", "source": "credentials",
                                "python_type": "str", "required": True})
    query_params = [param(attr_by_wire.get(k, k), k, "query") for k, _ in info["query_params"]]
    header_params = [param(attr_by_wire.get(k, k), k, "header")
                     for k in info["header_params"] if k in attr_by_wire]

    resp_cls = getattr(pkg, resp_cls_name)
    resp_attr_by_wire = {v: k for k, v in resp_cls.attribute_map.items()}
    response_headers = [{"name": h, "attribute": resp_attr_by_wire.get(h),
                         "python_type": resp_cls.openapi_types.get(resp_attr_by_wire.get(h))}
                        for h in info.get("response_headers") or []]

    client_fn = getattr(client_cls, snake(op))
    summary = (client_fn.__doc__ or "").strip().splitlines()[0] if client_fn.__doc__ else ""

    models = {}
    collect_models(pkg, resp_cls_name, models)

    # The request body's model and every model it references (`required` says which
    # properties the SDK's constructor always sets).
    body_models = {}
    if "body" in req_types:
        for name in referenced_models(req_types["body"]):
            collect_models(pkg, name, body_models)

    return {
        "client": "%s.%s" % (client_mod, client_cls_name),
        "method": info["method"],
        "resource_path": info["resource_path"],
        "summary": summary,
        "request_model": req_cls.__name__,
        "request_content_type": info["header_params"].get("Content-Type"),
        "path_params": path_params,
        "query_params": query_params,
        "header_params": header_params,
        "has_body": "body" in req_types,
        "response_model": resp_cls_name,
        "response_headers": response_headers,
        # The generated Python SDK does not encode expected success codes; any
        # status < 400 is accepted (see huaweicloudsdkcore exception_handler).
        "success_status": None,
        "models": models,
        "request": describe_model(req_cls),
        "request_body_models": body_models,
    }


def main():
    result = {
        "generator": "openapi/sdk/dump_models.py",
        "sdk_versions": {p: metadata.version(p) for p in PACKAGES},
        "operations": {},
    }
    for service, client_mod, client_cls, model_pkg, op in OPERATIONS:
        result["operations"][op] = dict(service=service, **dump_operation(client_mod, client_cls, model_pkg, op))

    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, sort_keys=True, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote %s" % OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
