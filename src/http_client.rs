//! The HTTP client set-up that `conform` and `health` share.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

/// A reqwest builder whose names resolve without NSS: reqwest's hickory resolver (the
/// `hickory-dns` feature) reads /etc/hosts and /etc/resolv.conf itself, and `localhost` is
/// answered here, so a target on `http://localhost:…` works even where neither file exists (a
/// `FROM scratch` image run without them). Port 0 keeps the URL's port.
pub(crate) fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().resolve_to_addrs(
        "localhost",
        &[
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0),
        ],
    )
}
