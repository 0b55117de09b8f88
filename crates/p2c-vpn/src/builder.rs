//! [`ClientBuilder`]: the settings of a [`Client`], their defaults, and the rules they are
//! checked against (where requests may go, the transport, proxies).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use p2c_vpn_api::{ResponseLimits, RetryConfig};
use p2c_vpn_auth::{Auth, Credentials, CredentialsChain};
use tokio::sync::OnceCell;

use crate::client::{Client, IamLookup, Inner};
use crate::error::{Error, Hint, Result, Setting};
use crate::names::{DEFAULT_NAME_TTL, NameCache, check_id};
use crate::pager::ListingLimits;
use crate::region;

/// Environment variable naming the region, read by [`Client::from_env`] and the CLI.
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";
/// Environment variable naming an endpoint URL (overrides the region).
pub const ENV_ENDPOINT: &str = "HUAWEICLOUD_SDK_ENDPOINT";
/// Environment variable naming the IAM endpoint of the project lookup.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Default number of gateways a front end works on at the same time (the CLI's
/// `--concurrency`, the exporter's).
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Default bound on connecting (TCP + TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on one attempt (send, headers and the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on a whole call, retries and their waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// Builds a [`Client`]. Every setting has a documented default except where the
/// requests go: set [`region`](Self::region) or [`endpoint`](Self::endpoint).
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    iam_endpoint: Option<String>,
    project_id: Option<String>,
    auth: Option<Auth>,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryConfig,
    user_agent: String,
    http_client: Option<HttpClientBuilder>,
    allow_insecure_http: bool,
    limits: ResponseLimits,
    name_ttl: Duration,
    listing: ListingLimits,
}

/// A caller's reqwest builder: consumed by the first `build` (reqwest builders are not
/// `Clone`); a clone of the [`ClientBuilder`] shares it.
#[derive(Clone)]
struct HttpClientBuilder(Arc<Mutex<Option<reqwest::ClientBuilder>>>);

impl std::fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reqwest::ClientBuilder")
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            iam_endpoint: None,
            project_id: None,
            auth: None,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            retry: RetryConfig::default(),
            user_agent: concat!("p2c-vpn/", env!("CARGO_PKG_VERSION")).to_owned(),
            http_client: None,
            allow_insecure_http: false,
            limits: ResponseLimits::default(),
            name_ttl: DEFAULT_NAME_TTL,
            listing: ListingLimits::default(),
        }
    }
}

impl ClientBuilder {
    /// Sends requests to the VPN endpoint of this Huawei Cloud region (see [`crate::REGIONS`]).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sends requests to this base URL instead (a private endpoint, a proxy, a mock).
    /// `http://` is refused unless the host is loopback or
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The IAM endpoint where the project ID is looked up when none is given (default:
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else `https://iam.{region}.myhuaweicloud.com`).
    /// Same URL rules as [`endpoint`](Self::endpoint).
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// The project ID. Without one here, the credentials' project ID is used
    /// (`HUAWEICLOUD_SDK_PROJECT_ID`, or `project_id` in the credentials file), else it is
    /// looked up through IAM for the [`region`](Self::region) on first use, as Huawei's
    /// SDKs do. The value given here is also the one signed as `X-Project-Id`.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// AK/SK credentials (default: the provider chain — environment
    /// `HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN`/`_PROJECT_ID`, then
    /// `~/.huaweicloud/credentials` or `HUAWEICLOUD_SDK_CREDENTIALS_FILE`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Authenticates with an IAM token (`X-Auth-Token`) instead of AK/SK signing.
    pub fn iam_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::token(token));
        self
    }

    /// Bound on each attempt: sending, response headers and the whole body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bound on establishing a connection, TLS included (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on a whole call including retries and backoff (default 120 s).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Retry policy (default: 3 attempts, 200 ms base, 20 s cap; [`RetryConfig::disabled`]
    /// for none).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header (default `p2c-vpn/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Starts the HTTP client from this reqwest builder (its TLS roots, pool or DNS
    /// settings, say). The client's transport rules are applied on top of it, so they cannot
    /// be lost: no redirects followed, HTTP/1.1, the proxy rules, the connect timeout and the
    /// user agent of this builder. Per-attempt timeouts and retries still apply.
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http_client = Some(HttpClientBuilder(Arc::new(Mutex::new(Some(builder)))));
        self
    }

    /// Caps on each response, enforced while the body arrives (default
    /// [`ResponseLimits::default`]: 16 MiB, 100,000 JSON values). A response past a cap is an
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) error naming the cap, never retried.
    pub fn response_limits(mut self, limits: ResponseLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Caps on what each listing may receive in all (default [`ListingLimits::default`]),
    /// for every listing of the client, the ones that resolve gateway names included.
    pub fn listing_limits(mut self, limits: ListingLimits) -> Self {
        self.listing = limits;
        self
    }

    /// How long a gateway name resolved to an ID is trusted (default [`DEFAULT_NAME_TTL`];
    /// zero: every call that names a gateway by name lists the gateways again). Whatever
    /// the age, every complete gateway listing refreshes the names (a name that moved is
    /// updated, one that is gone forgotten), and a call that gets "not found" for an ID
    /// taken from a remembered name resolves the name once more and retries with the new ID.
    pub fn name_ttl(mut self, ttl: Duration) -> Self {
        self.name_ttl = ttl;
        self
    }

    /// Allows `http://` endpoints on non-loopback hosts, i.e. sending credentials' signatures
    /// and connection data unencrypted. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates the settings, resolves credentials and builds the client. Makes no request
    /// (the IAM project lookup, when needed, happens on first use).
    pub fn build(self) -> Result<Client> {
        let base_url = match (&self.endpoint, &self.region) {
            (Some(endpoint), _) => self.checked_url(endpoint, Setting::Endpoint)?,
            (None, Some(region)) => {
                region::endpoint(region).map_err(|e| e.about(Setting::Region))?
            }
            (None, None) => {
                return Err(Error::invalid_setting(
                    Setting::Endpoint,
                    "no endpoint: nowhere to send requests",
                )
                .with_hint(Hint::SetRegionOrEndpoint));
            }
        };
        let explicit_project = self.project_id.as_deref().map(str::trim).map(str::to_owned);
        let auth = match (self.auth.clone(), self.credentials.clone()) {
            (Some(auth), _) => auth,
            (None, explicit) => {
                // The builder's project ID reaches the chain, so a credentials file is not
                // opened for a project ID that is already known.
                let credentials = CredentialsChain::default()
                    .with_explicit(explicit)
                    .with_project_id(explicit_project.clone())
                    .resolve()?;
                Auth::aksk(credentials)
            }
        };
        // One precedence rule: the builder's project beats the credentials' (environment,
        // then file), and the project in the path is the one signed as X-Project-Id.
        let project_id = explicit_project.or_else(|| match &auth {
            Auth::AkSk(signer) => signer.credentials().project_id().map(str::to_owned),
            Auth::Token(_) => None,
        });
        let iam = match &project_id {
            Some(project) => {
                check_id(Setting::ProjectId, "project ID", project)?;
                None
            }
            None => Some(self.iam_lookup()?),
        };
        let http = self.http(&base_url, iam.as_ref())?;
        let inner = Inner {
            http,
            base_url,
            auth,
            retry: self.retry,
            limits: self.limits,
            timeout: self.timeout,
            operation_timeout: self.operation_timeout,
            iam,
            project: OnceCell::new(),
            names: NameCache::new(self.name_ttl),
            listing: self.listing,
        };
        if let Some(id) = project_id {
            let project = inner.project(id);
            inner
                .project
                .set(project)
                .map_err(|_| Error::invalid_input("project set twice"))?;
        }
        Ok(Client {
            inner: Arc::new(inner),
        })
    }

    /// Where and for which region the project ID is looked up, when none was given.
    fn iam_lookup(&self) -> Result<IamLookup> {
        let Some(region) = &self.region else {
            return Err(Error::invalid_setting(
                Setting::ProjectId,
                "no project ID and no region to look it up for",
            )
            .with_hint(Hint::SetProjectIdOrRegion));
        };
        let endpoint = match self
            .iam_endpoint
            .clone()
            .map(Ok)
            .or_else(|| env_var(ENV_IAM_ENDPOINT).transpose())
        {
            Some(url) => self.checked_url(&url?, Setting::IamEndpoint)?,
            None => region::iam_endpoint(region).map_err(|e| e.about(Setting::Region))?,
        };
        Ok(IamLookup {
            endpoint,
            region: region::known(region)
                .map(str::to_owned)
                .unwrap_or_else(|_| region.trim().to_owned()),
        })
    }

    /// The HTTP client: the transport rules (no redirects, HTTP/1.1, proxies only for
    /// remote HTTPS), timeouts, user agent; on the caller's reqwest builder if one was given.
    fn http(&self, base_url: &str, iam: Option<&IamLookup>) -> Result<reqwest::Client> {
        let custom = match &self.http_client {
            Some(shared) => {
                let mut slot = shared.0.lock().unwrap_or_else(|e| e.into_inner());
                Some(slot.take().ok_or_else(|| {
                    Error::invalid_input(
                        "the reqwest builder given to .http_client(..) was already used by an \
                         earlier build(); give a new one",
                    )
                })?)
            }
            None => None,
        };
        let custom_tls = custom.is_some();
        // rustls with ring, unless the application installed its own provider first.
        p2c_vpn_api::install_crypto_provider();
        let mut http = custom
            .unwrap_or_else(|| {
                reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(60))
            })
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.as_str())
            // The API never redirects. Following one would re-send the signed headers
            // (reqwest keeps X-Security-Token across hosts) to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            // As the official SDKs: the signature binds `Host`, which HTTP/2 would carry
            // as `:authority`.
            .http1_only();
        http = proxies(http, &env_proxy_settings())?;
        let plain = |url: &str| url.starts_with("http://");
        if !custom_tls && plain(base_url) && iam.is_none_or(|i| plain(&i.endpoint)) {
            // Plain HTTP never does TLS (and redirects are off), so don't load the system
            // trust store: ~3 ms of a CLI run (see BENCHMARKS.md).
            http = http.tls_certs_only(Vec::new());
        }
        http.build().map_err(|e| {
            Error::invalid_input(format!("cannot build the HTTP client: {e}")).with_source(e)
        })
    }

    /// `raw` as a base URL without trailing slash, after the safety checks; `setting` names
    /// it in errors. A URL is never echoed with its user-info part.
    fn checked_url(&self, raw: &str, setting: Setting) -> Result<String> {
        let what = match setting {
            Setting::IamEndpoint => "IAM endpoint",
            _ => "endpoint",
        };
        let invalid = |message: String| Error::invalid_setting(setting, message);
        let url = url::Url::parse(raw.trim())
            .map_err(|e| invalid(format!("invalid {what} URL: {e}")).with_source(e))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(format!(
                "{what} URL must not embed user credentials"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(format!(
                "{what} URL {:?} must not have a query or fragment",
                url.as_str()
            )));
        }
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&url) => {}
            "http" => {
                return Err(invalid(format!(
                    "refusing plain http:// to non-loopback {what} host {:?}: requests would \
                     cross the network unencrypted; use https://",
                    url.host_str().unwrap_or_default()
                ))
                .with_hint(Hint::AllowInsecureHttp));
            }
            other => {
                return Err(invalid(format!(
                    "{what} URL scheme {other:?} is not supported (use https://)"
                )));
            }
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The proxy settings of the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, upper or
/// lower case). `HTTP_PROXY` is ignored on purpose: plain-http requests never use a proxy.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ProxySettings {
    pub(crate) https_proxy: Option<String>,
    pub(crate) no_proxy: Option<String>,
}

fn env_proxy_settings() -> ProxySettings {
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    ProxySettings {
        https_proxy: first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
        no_proxy: first(&["NO_PROXY", "no_proxy"]),
    }
}

/// Applies the proxy rule: only HTTPS to a non-loopback host goes through a proxy (a
/// CONNECT tunnel: TLS stays end to end, the proxy sees the host name only); plain-http and
/// loopback requests never do, whatever the environment says, because signed headers and the
/// security token would cross the proxy in clear.
pub(crate) fn proxies(
    http: reqwest::ClientBuilder,
    settings: &ProxySettings,
) -> Result<reqwest::ClientBuilder> {
    let http = http.no_proxy();
    let Some(url) = &settings.https_proxy else {
        return Ok(http);
    };
    let proxy = reqwest::Proxy::https(url.trim()).map_err(|e| {
        // The proxy URL may hold a password: name the variable, not the value.
        Error::invalid_input(format!(
            "HTTPS_PROXY/ALL_PROXY is not a usable proxy URL: {}",
            e.to_string().replace(url.trim(), "[proxy URL]")
        ))
    })?;
    let mut exempt = String::from("localhost,127.0.0.0/8,::1");
    if let Some(extra) = &settings.no_proxy {
        exempt.push(',');
        exempt.push_str(extra);
    }
    Ok(http.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(&exempt))))
}

/// An environment variable through `p2c_vpn_auth::env_var` (the one reader); blank is unset.
pub(crate) fn env_var(name: &str) -> Result<Option<String>> {
    let value = p2c_vpn_auth::env_var(name).map_err(|e| Error::invalid_input(e.to_string()))?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn builder() -> ClientBuilder {
        Client::builder()
            .credentials(Credentials::new("AK", "SK-secret"))
            .project_id("p1")
    }

    #[test]
    fn plain_http_only_to_loopback_unless_opted_in() {
        builder()
            .endpoint("http://127.0.0.1:9")
            .build()
            .expect("loopback v4");
        builder()
            .endpoint("http://[::1]:9")
            .build()
            .expect("loopback v6");
        builder()
            .endpoint("http://localhost:9")
            .build()
            .expect("localhost");
        let err = builder()
            .endpoint("http://vpn.example.com")
            .build()
            .expect_err("remote http");
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        builder()
            .endpoint("http://vpn.example.com")
            .allow_insecure_http(true)
            .build()
            .expect("opted in");
        builder().endpoint("ftp://x").build().expect_err("scheme");
        builder()
            .endpoint("https://u:p@x")
            .build()
            .expect_err("userinfo");
        builder()
            .endpoint("not a url")
            .build()
            .expect_err("garbage");
    }

    #[test]
    fn region_or_endpoint_is_required_and_checked() {
        let err = builder().build().expect_err("nowhere to send");
        assert!(err.to_string().contains(".region"), "{err}");
        let client = builder().region("ap-southeast-1").build().expect("region");
        assert_eq!(
            client.endpoint(),
            "https://vpn.ap-southeast-1.myhuaweicloud.com"
        );
        let err = builder()
            .region("ap-southeast-9")
            .build()
            .expect_err("unknown");
        assert!(err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn project_id_comes_from_credentials_when_not_set() {
        let client = Client::builder()
            .region("cn-north-4")
            .credentials(Credentials::new("AK", "SK").with_project_id("from-creds"))
            .build()
            .expect("builds");
        assert_eq!(client.project_id(), Some("from-creds"));
        let err = builder()
            .project_id("bad/id")
            .region("cn-north-4")
            .build()
            .expect_err("hostile");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn debug_shows_no_secret() {
        let client = Client::builder()
            .region("cn-north-4")
            .credentials(
                Credentials::new("AK-visible", "SK-very-secret")
                    .with_security_token("TOKEN-secret"),
            )
            .project_id("p1")
            .build()
            .expect("builds");
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("SK-very-secret") && !shown.contains("TOKEN-secret"),
            "{shown}"
        );
        let token_client = builder()
            .iam_token("IAM-secret-token")
            .region("cn-north-4")
            .build()
            .expect("builds");
        assert!(!format!("{token_client:?}").contains("IAM-secret-token"));
    }
}
