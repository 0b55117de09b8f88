#!/usr/bin/env python3
"""Writes the curated seed corpus (corpus/<target>/). Run from this directory."""
import json, os, struct

def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())

conn = {"client_ip": "100.***.***.100", "client_user_name": "alice", "client_virtual_ip": "192.168.0.2",
        "connection_established_time": "2024-05-01T10:00:00Z",
        "connection_id": "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b", "inbound_bytes": 123,
        "inbound_packets": 4, "outbound_bytes": 567, "outbound_packets": 8,
        "timestamp": "2024-05-01T11:00:00Z"}
decode = {
    'page_one.json': json.dumps({"connections": [conn], "total_count": 1, "request_id": "r1"}),
    'page_empty.json': '{"connections":[],"total_count":0}',
    'page_minimal.json': '{}',
    'page_nulls.json': '{"connections":null,"total_count":null,"request_id":null}',
    'page_bad_uuid.json': json.dumps({"connections": [dict(conn, connection_id="not-a-uuid")]}),
    'page_bad_time.json': json.dumps({"connections": [dict(conn, timestamp="2024-13-01T00:00:00Z")]}),
    'page_offset_time.json': json.dumps({"connections": [dict(conn, timestamp="2024-05-01T11:00:00+08:00")]}),
    'page_big_numbers.json': json.dumps({"connections": [dict(conn, inbound_bytes=9223372036854775807, outbound_bytes=-1)], "total_count": 18446744073709551616}),
    'page_float.json': '{"connections":[{"inbound_bytes":1.5}],"total_count":1e3}',
    'page_unicode.json': json.dumps({"connections": [dict(conn, client_user_name="\u00e9\u4e2d\U0001F600")]}, ensure_ascii=False),
    'page_escapes.json': '{"connections":[{"client_user_name":"a\\u0000b\\ud800"}]}',
    'page_trailing.json': '{"connections":[]} x',
    'page_dup_keys.json': '{"total_count":1,"total_count":2}',
    'error_huawei.json': '{"error_code":"VPN.0001","error_msg":"bad","request_id":"r1"}',
    'error_code_message.json': '{"code":"VPN.0004","message":"gone"}',
    'error_nested.json': '{"error":{"code":"X.1","message":"nested"}}',
    'error_numeric.json': '{"error_code":301,"error_msg":"numeric"}',
    'html.txt': '<html>\n<h1>502 Bad Gateway</h1>\n</html>',
    'array.json': '[1,2,3]',
    'deep.json': '[' * 64 + ']' * 64,
}
for k, v in decode.items():
    write('corpus/decode', k, v)

# error_body: byte 0 = status index (low 4 bits) | 0x10 json ct | 0x20 html ct | 0x40 x-request-id
sel = {'200': 0, '400': 3, '401': 4, '403': 5, '404': 6, '418': 8, '429': 9, '500': 10,
       '502': 11, '503': 12, '204': 14, '302': 15}
bodies = {'huawei': decode['error_huawei.json'], 'codemsg': decode['error_code_message.json'],
          'nested': decode['error_nested.json'], 'numeric': decode['error_numeric.json'],
          'html': decode['html.txt'], 'page': decode['page_one.json'], 'empty': '',
          'badtime': decode['page_bad_time.json'],
          'newline': '{"error_code":"VPN.1","error_msg":"line one\\nline two"}'}
for st, b, flags in [('400', 'huawei', 0x10), ('401', 'codemsg', 0x50), ('403', 'nested', 0),
                     ('404', 'numeric', 0x40), ('502', 'html', 0x20), ('503', 'empty', 0),
                     ('500', 'page', 0x10), ('200', 'page', 0x50), ('200', 'badtime', 0x10),
                     ('200', 'empty', 0), ('200', 'html', 0x20), ('429', 'huawei', 0x40),
                     ('418', 'newline', 0x10), ('204', 'empty', 0), ('302', 'html', 0)]:
    write('corpus/error_body', f'{st}_{b}', bytes([sel[st] | flags]) + bodies[b].encode())

# sign_verify: flags byte, u32 LE seconds, then path \0 query \0 body \0 header lines
t = struct.pack('<I', 1714557600)
for k, (f, p, q, b, h) in {
    'get_list': (0, '/v5/p1/p2c-vpn-gateways/gw1/connections', 'limit=500&offset=0', '', ['content-type:application/json']),
    'encoded_slash': (0, '/a/c%2Fd/e', '', '', []),
    'unicode_path': (0x18, '/\u00e9/\u4e2d/~.-_', 'b=2&a=1&a=0&%20=+', '', ['x-custom:  padded  ', 'x_under:skip']),
    'post_text': (1, '/upload', '', 'hello body', ['content-type:text/plain']),
    'post_json': (1, '/v5/x', 'k', '{"a":1}', ['content-type:application/json; charset=utf-8']),
    'dup_header': (0, '/x', '', '', ['x-a:1', 'x-a:2']),
    'host_header': (3, '/y', 'q=%ZZ&r', '', ['host:other.example']),
    'empty': (0, '', '', '', []),
    'far_time': (0x80, '/t', '', '', []),
    'dots': (2, '/a/./b/../c//d/', '=&=&&x==y', '', []),
}.items():
    parts = [p.encode(), q.encode(), b.encode()] + [x.encode() for x in h]
    write('corpus/sign_verify', k, bytes([f]) + t + b'\0'.join(parts))

# cli_parse: arguments (after `p2c-vpn`) joined by \1, then \0 and a gateway id
W = ['connections', 'watch']
for k, (argv, gw) in {
        'uuid': (W + ['--gateway', 'gw-1', '--interval', '30s', '--timeout', '10s', '--count', '2'],
                 '0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b'),
        'compound': (W + ['--interval=1m30s', '-o', 'ndjson'], 'gw-1'),
        'ms': (['top', '--interval', ' 500ms ', '--read-only'], 'a.b_c~d'),
        'zero': (['connections', 'list', '--timeout', '0s'], 'x'),
        'bare': (W + ['--interval', '10'], 'x'),
        'short': (W + ['--interval', '99ms'], 'x'),
        'slash': (['exporter', '--min-interval', '0s', '--scrape-timeout', '8s',
                   '--header-read-timeout', '1h'], 'a/b'),
        'query': (['connections', 'disconnect', '--gateway', 'gw', '--connected-longer-than', '2d',
                   '--dry-run'], 'a?b'),
        'pct': (['-vv', 'gateways', 'list', '--limit', '-1'], 'a%2Fb'),
        'space': (['connections', 'list', '--all', '--page-size', '2147483648', '--timeout', '5 min'],
                  'a b'),
        'unicode': (W + ['--interval', '1week', '--gateway', '\u00e9\u4e2d'], '\u00e9\u4e2d'),
        'colon': (['connections', 'list', '--offset', '2147483647', '--timeout', '100ns'], 'a:b;c=d'),
        'long': (W + ['--interval', '18446744073709551615s'], 'a' * 257),
        'plus': (W + ['--interval', '1h 2m 3s 4ms 5us 6ns', '--interval', '2s'], 'a+b&c'),
        'ctrl': (['--help'], 'x\u2028'),
        'dotdot': (['connections', 'watch', '--help'], '..'),
        'dot': (['--version'], '.'),
        'empty': ([], ''),
        'man': (['man'], 'gw'),
        'completions': (['completions', 'zsh'], 'gw'),
        'unknown': (['connections', 'frobnicate', '--interval', '1s'], 'gw'),
        }.items():
    write('corpus/cli_parse', k, b'\1'.join(a.encode() for a in argv) + b'\0' + gw.encode())
# An argument that is not UTF-8 (arguments are OsStrs).
write('corpus/cli_parse', 'not_utf8', b'connections\1watch\1--interval\1\xff\xfe1s\0gw')
