//! Cost of signing one `ListP2cVgwConnections` GET.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, Method};
use p2c_vpn_auth::{Credentials, Signer, canonical};

const URL: &str = "https://vpn.cn-north-4.myhuaweicloud.com/v5/0123456789abcdef0123456789abcdef/p2c-vpn-gateways/b1c2d3e4-0000-4000-8000-000000000001/connections?limit=100&offset=0";

fn base_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("api-version", HeaderValue::from_static("v5"));
    h.insert(
        "x-project-id",
        HeaderValue::from_static("0123456789abcdef0123456789abcdef"),
    );
    h
}

fn bench(c: &mut Criterion) {
    let signer = Signer::new(Credentials::new(
        "HPUAEXAMPLEAK0000001",
        "ExampleSecretKey0123456789abcdefghijklmn",
    ));
    let url = url::Url::parse(URL).expect("valid URL");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let template = base_headers();

    c.bench_function("sign_get_connections", |b| {
        b.iter_batched_ref(
            || template.clone(),
            |headers| {
                signer
                    .sign_at(&Method::GET, black_box(&url), headers, b"", black_box(now))
                    .expect("sign")
            },
            criterion::BatchSize::SmallInput,
        )
    });

    // Re-signing the same map (a retry): no header map clone in the loop.
    let mut headers = base_headers();
    c.bench_function("resign_get_connections", |b| {
        b.iter(|| {
            signer
                .sign_at(
                    &Method::GET,
                    black_box(&url),
                    &mut headers,
                    b"",
                    black_box(now),
                )
                .expect("sign")
        })
    });

    let mut signed = base_headers();
    signer
        .sign_at(&Method::GET, &url, &mut signed, b"", now)
        .expect("sign");
    let names: Vec<&str> = canonical::signed_header_names(&signed)
        .into_iter()
        .filter(|n| *n != "authorization")
        .collect();
    c.bench_function("canonical_request_only", |b| {
        b.iter(|| {
            canonical::canonical_request(
                "GET",
                black_box(url.path()),
                black_box(url.query()),
                &signed,
                &names,
                b"",
            )
            .expect("canonical")
        })
    });

    c.bench_function("canonical_uri", |b| {
        b.iter(|| canonical::canonical_uri(black_box(url.path())))
    });
    c.bench_function("canonical_query", |b| {
        b.iter(|| canonical::canonical_query_from_raw(black_box(url.query())))
    });
    c.bench_function("signable_headers", |b| {
        b.iter(|| {
            canonical::signable_headers(black_box(&signed))
                .expect("headers")
                .len()
        })
    });
    let cr = canonical::canonical_request("GET", url.path(), url.query(), &signed, &names, b"")
        .expect("canonical");
    c.bench_function("string_to_sign", |b| {
        b.iter(|| canonical::string_to_sign("20240102T030405Z", black_box(&cr)))
    });
    c.bench_function("format_sdk_date", |b| {
        b.iter(|| p2c_vpn_auth::format_sdk_date(black_box(now)).expect("date"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
