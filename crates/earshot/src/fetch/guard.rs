//! The address guard: after DNS resolution, loopback, private, link-local
//! unique-local and the other special-purpose ranges of [`is_private`] are
//! refused unless `allow_private` is set,
//! so a crawl can never be turned against the operator's own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Raised when every address of a host is private.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to private or loopback addresses ({addrs}); refused. Set allow_private = true on the source if this is intended")]
pub struct PrivateAddress {
    /// The host name.
    pub host: String,
    /// What it resolved to.
    pub addrs: String,
}

/// True for addresses a crawler must not reach by default: loopback,
/// RFC 1918, link-local, shared (CGNAT), benchmarking (198.18.0.0/15),
/// IETF protocol assignments (192.0.0.0/24), reserved (240.0.0.0/4),
/// multicast, unspecified and broadcast for IPv4; loopback, unspecified,
/// unique-local, link-local, site-local (`fec0::/10`), multicast and the
/// local-use NAT64 prefix for IPv6. IPv6 forms that carry an IPv4 address
/// (`::ffff:a.b.c.d`, `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
/// `2002::/16`) are judged by that IPv4 address.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1])) // shared address space
                || o[0] == 0
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
                || o[0] >= 240 // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated)
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 (RFC 8215)
        }
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped
/// `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`
/// and 6to4 `2002:aabb:ccdd::/48`. `::` and `::1` are not IPv4.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6].iter().all(|&x| x == 0) && !v6.is_loopback() && !v6.is_unspecified() {
        return Some(low);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0) {
        return Some(low);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

/// A resolver that drops private addresses: it asks `inner` (the system
/// resolver when none) and keeps only public addresses.
#[derive(Default, Clone)]
pub struct GuardedResolver {
    inner: Option<Arc<dyn Resolve>>,
}

impl std::fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("custom", &self.inner.is_some())
            .finish()
    }
}

impl GuardedResolver {
    /// The guard over the system resolver.
    pub fn new() -> GuardedResolver {
        GuardedResolver::default()
    }

    /// The guard over another resolver (tests map names with it).
    pub fn over(inner: Arc<dyn Resolve>) -> GuardedResolver {
        GuardedResolver { inner: Some(inner) }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let inner = self.inner.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = match inner {
                Some(r) => r.resolve(name).await?.collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let public: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| !is_private(a.ip()))
                .collect();
            if public.is_empty() && !all.is_empty() {
                let addrs = all
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Box::new(PrivateAddress { host, addrs })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    fn private(ip: &str) -> bool {
        is_private(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_compatible_addresses_are_judged_by_their_ipv4() {
        assert!(private("::127.0.0.1"));
        assert!(private("::10.0.0.1"));
        assert!(private("::192.168.0.1"));
        assert!(!private("::8.8.8.8"));
    }

    #[test]
    fn nat64_addresses_are_judged_by_their_ipv4() {
        assert!(private("64:ff9b::127.0.0.1"));
        assert!(private("64:ff9b::a9fe:a9fe")); // 169.254.169.254, cloud metadata
        assert!(!private("64:ff9b::8.8.8.8"));
        assert!(private("64:ff9b:1::1")); // local-use prefix
    }

    #[test]
    fn sixtofour_addresses_are_judged_by_their_ipv4() {
        assert!(private("2002:7f00:1::1")); // 127.0.0.1
        assert!(private("2002:c0a8:101::")); // 192.168.1.1
        assert!(!private("2002:808:808::1")); // 8.8.8.8
    }

    #[test]
    fn benchmarking_range_198_18_0_0_15() {
        assert!(private("198.18.0.1"));
        assert!(private("198.19.255.254"));
        assert!(!private("198.17.255.255"));
        assert!(!private("198.20.0.1"));
    }

    #[test]
    fn ietf_protocol_assignments_192_0_0_0_24() {
        assert!(private("192.0.0.1"));
        assert!(private("192.0.0.255"));
        assert!(!private("192.0.1.1"));
    }

    #[test]
    fn reserved_240_0_0_0_4() {
        assert!(private("240.0.0.1"));
        assert!(private("250.1.2.3"));
        assert!(private("255.255.255.255"));
        assert!(!private("223.1.2.3"));
    }

    #[test]
    fn multicast_v4_and_v6() {
        assert!(private("224.0.0.1"));
        assert!(private("239.255.255.250"));
        assert!(!private("223.255.255.255"));
        assert!(private("ff02::1"));
        assert!(private("ff05::1:3"));
    }

    #[test]
    fn site_local_fec0_10() {
        assert!(private("fec0::1"));
        assert!(private("feff::1"));
        assert!(!private("fe00::1"));
    }

    #[test]
    fn loopback_and_unspecified_v6_are_not_read_as_ipv4() {
        assert_eq!(embedded_v4("::1".parse().unwrap()), None);
        assert_eq!(embedded_v4("::".parse().unwrap()), None);
        assert!(private("::1") && private("::"));
    }
}
