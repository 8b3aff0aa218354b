//! The address guard: a feed on the public internet must not be able to
//! send thbwatch to a loopback, private, link-local or cloud-metadata
//! address (and so get an internal page republished). Addresses are
//! checked where the connection is made, after DNS, so a name that
//! resolves to 10.0.0.1 is caught as surely as a literal one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Which addresses a source may reach, decided by where its own URL points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The source is on the public internet: only public addresses.
    Public,
    /// The source's own URL is already on an internal network (a feed on
    /// the intranet or on this machine): its operator chose that, so
    /// internal addresses are allowed.
    Internal,
}

/// Why an address is not public, or `None` for a public address.
/// IPv4-mapped and IPv4-compatible IPv6 addresses are judged as the IPv4
/// address they carry.
pub(crate) fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_kind(v4),
            None => v6_kind(v6),
        },
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if a == 0 || ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("reserved")
    } else if a == 192 && b == 0 && ip.octets()[2] == 0 {
        Some("reserved (IETF protocol)")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("reserved (benchmarking)")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("reserved")
    } else if seg[0] & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if seg[0] & 0xffc0 == 0xfe80 || seg[0] & 0xffc0 == 0xfec0 {
        Some("link-local")
    } else if seg[..6] == [0; 6] || seg[..6] == [0, 0, 0, 0, 0xffff, 0] || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // An IPv4 address in the last 32 bits: IPv4-compatible (::a.b.c.d),
        // IPv4-translated (::ffff:0:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d,
        // which a DNS64 network routes to that IPv4 address).
        v4_kind(embedded(seg[6], seg[7])).or((seg[..6] == [0; 6]).then_some("reserved"))
    } else if seg[0] == 0x2002 {
        // 6to4: the IPv4 address follows the prefix.
        v4_kind(embedded(seg[1], seg[2]))
    } else if (seg[0] == 0x0064 && seg[1] == 0xff9b) || (seg[0] == 0x2001 && seg[1] == 0) {
        // NAT64 local-use (64:ff9b:1::/48) and Teredo tunnels: where they
        // lead cannot be told from the address.
        Some("reserved (translated or tunnelled)")
    } else {
        None
    }
}

/// Where the source's own URL points: internal when its host is an
/// internal address, or a name whose addresses are all internal (a feed
/// on the intranet or on this machine). One public address among them is
/// enough to treat the source as public, so a publisher's DNS cannot
/// switch the guard off with a mixed answer. `None` when the name does
/// not resolve (the request will fail on DNS anyway; ask again next time).
pub(crate) async fn scope_of(url: &Url) -> Option<Scope> {
    let all_internal = match url.host()? {
        Host::Ipv4(ip) => internal_kind(IpAddr::V4(ip)).is_some(),
        Host::Ipv6(ip) => internal_kind(IpAddr::V6(ip)).is_some(),
        Host::Domain(name) => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, 0)).await.ok()?.collect();
            !addrs.is_empty() && addrs.iter().all(|a| internal_kind(a.ip()).is_some())
        }
    };
    Some(if all_internal { Scope::Internal } else { Scope::Public })
}

/// A connection the guard refused: a source on the public internet led
/// to an internal address. A type of its own, so the fetch can tell it
/// from any other connection failure when the client hands it back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("refused to connect to {ip}, a {kind} address: the source is on the public internet")]
pub struct Refusal {
    pub ip: IpAddr,
    /// What kind of internal address it is ([`internal_kind`]).
    pub kind: &'static str,
}

/// Checks a literal IP host (which skips DNS) against the scope.
pub(crate) fn check_literal(url: &Url, scope: Scope) -> Result<(), Refusal> {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    match (scope, internal_kind(ip)) {
        (Scope::Public, Some(kind)) => Err(Refusal { ip, kind }),
        _ => Ok(()),
    }
}

/// A name that resolved to no address at all.
#[derive(Debug, thiserror::Error)]
#[error("{0} has no address")]
struct NoAddress(String);

/// A resolver that only ever hands out public addresses: used by the
/// client for public sources, so every connection (each redirect hop,
/// each pooled reconnect) is checked after DNS.
#[derive(Debug, Default)]
pub(crate) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| internal_kind(a.ip()).is_none())
                .collect();
            if public.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = match addrs.first() {
                    Some(a) => Box::new(Refusal {
                        ip: a.ip(),
                        kind: internal_kind(a.ip()).unwrap_or("internal"),
                    }),
                    None => Box::new(NoAddress(host)),
                };
                return Err(error);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The resolver as reqwest wants it.
pub(crate) fn public_only() -> Arc<PublicOnly> {
    Arc::new(PublicOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised_in_every_spelling() {
        let cases = [
            ("127.0.0.1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("cloud metadata")),
            ("169.254.1.1", Some("link-local")),
            ("100.64.0.1", Some("shared (carrier-grade NAT)")),
            ("0.0.0.0", Some("reserved")),
            ("::1", Some("loopback")),
            ("::", Some("reserved")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("cloud metadata")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::10.0.0.1", Some("private")),
            ("fd00:ec2::254", Some("cloud metadata")),
            ("fc00::1", Some("private (unique local)")),
            ("fe80::1", Some("link-local")),
            ("8.8.8.8", None),
            ("193.41.0.10", None),
            ("2001:4860:4860::8888", None),
            ("::ffff:8.8.8.8", None),
            ("::ffff:0:10.0.0.1", Some("private")),
            ("64:ff9b::a00:1", Some("private")),
            ("64:ff9b::a9fe:a9fe", Some("cloud metadata")),
            ("64:ff9b::808:808", None),
            ("64:ff9b:1::1", Some("reserved (translated or tunnelled)")),
            ("2002:7f00:1::1", Some("loopback")),
            ("2002:c0a8:101::1", Some("private")),
            ("2002:808:808::1", None),
            ("2001:0:4136:e378::1", Some("reserved (translated or tunnelled)")),
            ("2001:db8::1", None),
        ];
        for (text, expected) in cases {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(internal_kind(ip), expected, "{text}");
        }
    }

    #[test]
    fn literal_hosts_are_checked_against_the_scope() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            check_literal(&url("http://169.254.169.254/latest/"), Scope::Public),
            Err(Refusal {
                ip: "169.254.169.254".parse().unwrap(),
                kind: "cloud metadata"
            })
        );
        assert!(check_literal(&url("http://[::ffff:7f00:1]/"), Scope::Public).is_err());
        assert!(check_literal(&url("http://127.0.0.1/"), Scope::Internal).is_ok());
        assert!(check_literal(&url("http://8.8.8.8/"), Scope::Public).is_ok());
        // Names are checked after DNS, by the resolver.
        assert!(check_literal(&url("http://localhost/"), Scope::Public).is_ok());
    }

    #[tokio::test]
    async fn the_public_resolver_refuses_names_of_internal_addresses() {
        let name: Name = "localhost".parse().unwrap();
        let error = match PublicOnly.resolve(name).await {
            Ok(_) => panic!("localhost must be refused"),
            Err(e) => e,
        };
        let refusal = error.downcast_ref::<Refusal>().expect("a refusal");
        assert_eq!(refusal.kind, "loopback", "{error}");
        assert!(refusal.ip.is_loopback(), "{error}");
    }

    #[tokio::test]
    async fn a_source_on_this_machine_is_internal() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            scope_of(&url("http://127.0.0.1:8080/feed")).await,
            Some(Scope::Internal)
        );
        assert_eq!(
            scope_of(&url("http://localhost:8080/feed")).await,
            Some(Scope::Internal)
        );
        assert_eq!(scope_of(&url("https://8.8.8.8/feed")).await, Some(Scope::Public));
        assert_eq!(
            scope_of(&url("https://[64:ff9b::a00:1]/feed")).await,
            Some(Scope::Internal)
        );
    }
}
