//! Who is on the other end of a request: the TCP peer, or — only when that peer is a proxy
//! the operator named in `CALLQA_TRUSTED_PROXIES` — the client that proxy reports in
//! `X-Forwarded-For`. Anyone can send that header, so it is never believed by default: the
//! login throttle keys on this address, and a believed lie would let one client pose as many
//! (or frame another).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use actix_web::HttpRequest;

/// An IP address or a CIDR range (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_matches(u32::from(net).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_matches(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` of `width` bits agree.
fn prefix_matches(network: u128, address: u128, width: u8, prefix: u8) -> bool {
    let host_bits = u32::from(width - prefix.min(width));
    let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    network & mask == address & mask
}

/// Why a trusted-proxy entry was refused (shown by clap at start).
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR range (e.g. 10.0.0.1 or 10.0.0.0/8)")]
pub struct BadIpRange(String);

impl FromStr for IpRange {
    type Err = BadIpRange;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || BadIpRange(text.to_owned());
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(bad)?,
            None => width,
        };
        Ok(IpRange { network, prefix })
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed: ranges separated by commas; an empty
/// setting (the default) is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = BadIpRange;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&ranges.join(", "))
    }
}

/// An IPv4 client reached over an IPv6 socket (`::ffff:192.0.2.7`) is the IPv4 client.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address; `None` only when actix knows no peer (never for TCP connections).
///
/// Behind trusted proxies, `X-Forwarded-For` lists the hops, each proxy appending the peer it
/// saw. Walking from the right, the entries trusted proxies wrote are skipped; the first
/// address that is not a trusted proxy is the client. Entries further left were written by
/// the client itself and mean nothing. An entry that is not an address stops the walk at the
/// last hop known good.
pub fn client_address(req: &HttpRequest, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    let trusted = |address: IpAddr| proxies.contains(address);
    if !trusted(peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|hop| !hop.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(address) = parse_hop(hop) else {
            break;
        };
        client = address;
        if !trusted(address) {
            break;
        }
    }
    Some(client)
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.7:4711`,
/// `[2001:db8::1]:4711`) as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// The part of an address that identifies one client for throttling: an IPv4 address, or an
/// IPv6 /64 (one subscriber's network: anyone holding one has 2^64 addresses to rotate through).
pub fn throttle_identity(address: IpAddr) -> String {
    match canonical(address) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
            format!("{network}/64")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> IpRange {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_match() {
        assert!(range("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!range("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(range("192.0.2.7").contains(ip("192.0.2.7")));
        assert!(!range("192.0.2.7").contains(ip("192.0.2.8")));
        assert!(range("0.0.0.0/0").contains(ip("203.0.113.1")));
        assert!(range("2001:db8::/32").contains(ip("2001:db8:1::5")));
        assert!(!range("2001:db8::/32").contains(ip("10.0.0.1")));
        assert!(range("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "example.com",
            "::/129",
            "1.2.3.4/x",
        ] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    fn proxies(trusted: &[&str]) -> TrustedProxies {
        trusted.join(",").parse().unwrap()
    }

    fn seen(peer: &str, forwarded: &[&str], trusted: &[&str]) -> Option<IpAddr> {
        let mut req =
            actix_web::test::TestRequest::default().peer_addr(SocketAddr::new(ip(peer), 4711));
        for value in forwarded {
            req = req.append_header(("X-Forwarded-For", *value));
        }
        client_address(&req.to_http_request(), &proxies(trusted))
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        assert_eq!(
            seen("192.0.2.1", &["203.0.113.5"], &[]),
            Some(ip("192.0.2.1"))
        );
        assert_eq!(
            seen("192.0.2.1", &["203.0.113.5"], &["10.0.0.0/8"]),
            Some(ip("192.0.2.1"))
        );
        assert_eq!(
            seen("10.0.0.2", &["203.0.113.5"], &["10.0.0.0/8"]),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(seen("10.0.0.2", &[], &["10.0.0.0/8"]), Some(ip("10.0.0.2")));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = &["10.0.0.0/8"];
        // The client's own claim (leftmost) is ignored; proxies' entries are skipped.
        assert_eq!(
            seen(
                "10.0.0.2",
                &["198.51.100.9, 203.0.113.5, 10.0.0.7"],
                trusted
            ),
            Some(ip("203.0.113.5"))
        );
        // Several headers read as one list, in order.
        assert_eq!(
            seen("10.0.0.2", &["198.51.100.9", "203.0.113.5"], trusted),
            Some(ip("203.0.113.5"))
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            seen("10.0.0.2", &["203.0.113.5, nonsense, 10.0.0.7"], trusted),
            Some(ip("10.0.0.7"))
        );
        assert_eq!(
            seen("10.0.0.2", &["10.0.0.9"], trusted),
            Some(ip("10.0.0.9"))
        );
    }

    #[test]
    fn hops_may_carry_ports() {
        assert_eq!(parse_hop("192.0.2.7:4711"), Some(ip("192.0.2.7")));
        assert_eq!(parse_hop("[2001:db8::1]:80"), Some(ip("2001:db8::1")));
        assert_eq!(parse_hop("unknown"), None);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_network() {
        assert_eq!(
            throttle_identity(ip("2001:db8:1:2:aaaa::1")),
            throttle_identity(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(throttle_identity(ip("::ffff:192.0.2.7")), "192.0.2.7");
    }
}
