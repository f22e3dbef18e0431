//! Downloads a recording a connector was told about, so that an event cannot turn the server
//! into a proxy for internal URLs (SSRF):
//!
//! - only `https`, and only to public addresses: the host is resolved once and the connection
//!   goes to the checked addresses (a name that resolves again to `127.0.0.1` later cannot
//!   slip through), an IP literal is checked as written;
//! - every redirect is checked the same way, at most [`MAX_REDIRECTS`] of them;
//! - the body is size-limited as it streams (the upload limit) and the whole download
//!   time-limited.
//!
//! `CALLQA_FETCH_ALLOW_PRIVATE` lifts the address and scheme rules (a PBX on the office
//! network; the tests' local fakes); the size and time limits stay.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::{Attempt, Policy};

use crate::config::FetchSettings;
use crate::recordings::RecordingError;
use crate::recordings::intake::{ReceivedFile, Receiver};
use crate::recordings::store::AudioStore;

/// Redirects followed before a download is refused.
pub const MAX_REDIRECTS: usize = 5;

/// Why a download did not give a file; the text is what the owner reads on the list.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the link {0} is not allowed: only https links to public addresses are fetched")]
    NotAllowed(String),
    #[error("the link is not a valid URL")]
    BadUrl,
    #[error("the recording is larger than the upload limit of {0} MB")]
    TooLarge(u64),
    #[error("the PBX answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the PBX could not be reached: {0}")]
    Network(String),
    #[error("the PBX's answer cannot be understood: {0}")]
    Answer(String),
    #[error("the recording cannot be stored: {0}")]
    Store(String),
    #[error("the connector is no longer set up")]
    NotConfigured,
}

impl FetchError {
    /// Whether trying again later could help: not for a link that is refused or a file that
    /// is too large.
    pub fn is_passing(&self) -> bool {
        !matches!(
            self,
            FetchError::NotAllowed(_)
                | FetchError::BadUrl
                | FetchError::TooLarge(_)
                | FetchError::NotConfigured
        )
    }
}

/// Whether `ip` is an address on the public internet: not loopback, private, link-local,
/// carrier-grade NAT, documentation, benchmarking, multicast or reserved space, also when
/// written as an IPv4-mapped or NAT64 IPv6 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = segments[6].to_be_bytes();
                let [c, d] = segments[7].to_be_bytes();
                return is_public(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (segments[0] & 0xfe00) == 0xfc00
                || (segments[0] & 0xffc0) == 0xfe80
                || (segments[0] == 0x2001 && segments[1] == 0x0db8))
        }
    }
}

/// Checks a URL's scheme and, for an IP literal, its address; a name is checked when it is
/// resolved ([`PublicOnly`]).
fn check_url(url: &reqwest::Url, allow_private: bool) -> Result<(), FetchError> {
    if allow_private {
        return match url.scheme() {
            "http" | "https" => Ok(()),
            _ => Err(FetchError::NotAllowed(url.to_string())),
        };
    }
    if url.scheme() != "https" {
        return Err(FetchError::NotAllowed(url.to_string()));
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(FetchError::BadUrl),
    };
    match literal {
        Some(ip) if !is_public(ip) => Err(FetchError::NotAllowed(url.to_string())),
        _ => Ok(()),
    }
}

/// Resolves names to their public addresses only; a name with none is refused, so the
/// connection can only go to an address that was checked.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::task::spawn_blocking(move || {
                (host.as_str(), 0)
                    .to_socket_addrs()
                    .map(|addrs| addrs.collect::<Vec<SocketAddr>>())
            })
            .await??;
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err("the name resolves to no public address".into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// A client for one kind of download, with the rules of [`FetchSettings`].
#[derive(Clone)]
pub struct Fetcher {
    client: Client,
    allow_private: bool,
    limit: u64,
}

/// A response whose body may be read (status 2xx).
pub struct Fetched {
    response: reqwest::blocking::Response,
    limit: u64,
}

impl Fetcher {
    /// `limit`: the largest body accepted, in bytes.
    pub fn new(settings: &FetchSettings, limit: u64) -> Result<Fetcher, FetchError> {
        let allow_private = settings.fetch_allow_private;
        let policy = Policy::custom(move |attempt: Attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error("too many redirects");
            }
            match check_url(attempt.url(), allow_private) {
                Ok(()) => attempt.follow(),
                Err(refused) => attempt.error(refused.to_string()),
            }
        });
        let mut builder = Client::builder()
            .redirect(policy)
            .timeout(Duration::from_secs(settings.fetch_timeout_seconds.max(1)))
            .connect_timeout(Duration::from_secs(
                settings.fetch_timeout_seconds.clamp(1, 20),
            ))
            .user_agent(concat!("callqa/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
        }
        let client = builder
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Fetcher {
            client,
            allow_private,
            limit,
        })
    }

    /// Parses and checks `link` before anything is sent to it.
    pub fn checked(&self, link: &str) -> Result<reqwest::Url, FetchError> {
        let url = reqwest::Url::parse(link.trim()).map_err(|_| FetchError::BadUrl)?;
        check_url(&url, self.allow_private)?;
        Ok(url)
    }

    /// Sends `request` (built on [`Fetcher::client`]) after checking its URL; a status other
    /// than 2xx is an error.
    pub fn send(&self, request: reqwest::blocking::RequestBuilder) -> Result<Fetched, FetchError> {
        let request = request
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        check_url(request.url(), self.allow_private)?;
        let response = self.client.execute(request).map_err(describe)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status()));
        }
        Ok(Fetched {
            response,
            limit: self.limit,
        })
    }

    /// A GET of `link`.
    pub fn get(&self, link: &str) -> Result<Fetched, FetchError> {
        let url = self.checked(link)?;
        self.send(self.client.get(url))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Why a request failed, in words: a refused redirect says which link was refused.
fn describe(error: reqwest::Error) -> FetchError {
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    let mut words = Vec::new();
    while let Some(cause) = source {
        words.push(cause.to_string());
        source = cause.source();
    }
    let text = words.join(": ");
    if error.is_redirect() && text.contains("not allowed") {
        return FetchError::NotAllowed(
            error
                .url()
                .map(ToString::to_string)
                .unwrap_or_else(|| "of a redirect".to_owned()),
        );
    }
    FetchError::Network(text)
}

impl Fetched {
    /// The link the body came from, after redirects.
    pub fn url(&self) -> &reqwest::Url {
        self.response.url()
    }

    /// Whether the body is JSON (a vendor's API answering with an error instead of a file).
    pub fn is_json(&self) -> bool {
        self.response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"))
    }

    /// The body as text (a vendor's JSON answer), within the limit.
    pub fn text(self) -> Result<String, FetchError> {
        let mut body = String::new();
        self.response
            .take(1 << 20)
            .read_to_string(&mut body)
            .map_err(|e| FetchError::Answer(e.to_string()))?;
        Ok(body)
    }

    /// Streams the body into a new incoming file named `name`, refusing it once it passes
    /// the limit.
    pub fn into_file(mut self, store: &AudioStore, name: &str) -> Result<ReceivedFile, FetchError> {
        let limit_mb = self.limit / (1024 * 1024);
        if self
            .response
            .content_length()
            .is_some_and(|n| n > self.limit)
        {
            return Err(FetchError::TooLarge(limit_mb));
        }
        let mut receiver =
            Receiver::new(store, name, self.limit).map_err(|e| FetchError::Store(e.to_string()))?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = match self.response.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) => {
                    receiver.discard();
                    return Err(FetchError::Network(error.to_string()));
                }
            };
            match receiver.write(&buffer[..read]) {
                Ok(()) => {}
                Err(RecordingError::TooLarge) => return Err(FetchError::TooLarge(limit_mb)),
                Err(other) => {
                    receiver.discard();
                    return Err(FetchError::Store(other.to_string()));
                }
            }
        }
        receiver
            .finish()
            .map_err(|e| FetchError::Store(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(link: &str) -> bool {
        let url = reqwest::Url::parse(link).unwrap();
        check_url(&url, false).is_err()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "93.184.216.34",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_https_to_public_literals_passes_the_url_check() {
        assert!(refused("http://example.com/a.mp3"));
        assert!(refused("ftp://example.com/a.mp3"));
        assert!(refused("file:///etc/passwd"));
        assert!(refused("https://127.0.0.1/a.mp3"));
        assert!(refused("https://[::1]/a.mp3"));
        assert!(refused("https://169.254.169.254/latest/meta-data"));
        assert!(refused("https://[::ffff:7f00:1]/"));
        assert!(!refused("https://example.com/a.mp3"));
        assert!(!refused("https://8.8.8.8/a.mp3"));
        let url = reqwest::Url::parse("http://127.0.0.1:9/a").unwrap();
        assert!(check_url(&url, true).is_ok());
        let url = reqwest::Url::parse("file:///etc/passwd").unwrap();
        assert!(check_url(&url, true).is_err());
    }
}
