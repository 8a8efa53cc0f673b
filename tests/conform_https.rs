//! `conform` against an HTTPS target: a self-signed certificate for 127.0.0.1 (rcgen), a tiny
//! TLS-terminating forwarder (tokio-rustls, ring provider) in front of an in-process mock, and
//! the real binary run as a CI pipeline would run it.
//!
//! - with `--ca-cert <the certificate>`, a few scenarios pass (exit 0);
//! - without it, the run cannot start (exit 2) and says the certificate was not trusted and what to do.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A TLS endpoint on 127.0.0.1 that forwards every connection to `backend` in plain TCP.
/// Returns its address and the PEM of its self-signed certificate.
async fn tls_forwarder(backend: SocketAddr) -> (SocketAddr, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("self-signed certificate");
    tls_forwarder_with(backend, ck.cert, ck.signing_key).await
}

/// A self-signed certificate for `names` marked as a CA (basicConstraints CA:TRUE), as
/// `openssl req -x509` makes by default.
fn ca_flagged_self_signed(names: &[&str]) -> (rcgen::Certificate, rcgen::KeyPair) {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert, key)
}

/// [`tls_forwarder`] with a given certificate and key.
async fn tls_forwarder_with(
    backend: SocketAddr,
    certificate: rcgen::Certificate,
    signing_key: rcgen::KeyPair,
) -> (SocketAddr, String) {
    let pem = certificate.pem();
    let cert = CertificateDer::from(certificate.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
    // One crypto provider, chosen explicitly (reqwest's rustls also uses ring).
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to forward.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (addr, pem)
}

async fn conform(args: Vec<String>) -> Output {
    let bin = env!("CARGO_BIN_EXE_commerce-auth-mock");
    tokio::process::Command::new(bin)
        .arg("conform")
        .args(args)
        // Options come from the command line only: no CONFORM_* of the caller's environment.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .await
        .expect("run the binary")
}

fn base_args(target: &str) -> Vec<String> {
    [
        "--target",
        target,
        "--profile",
        "saas",
        "--admin-token",
        "mock-admin-token",
        "--no-properties",
        "--no-progress",
        "--filter",
        "signin/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_target_with_ca_cert_passes() {
    let server = TestServer::start(Profile::Saas).await;
    let (addr, pem) = tls_forwarder(server.addr).await;
    let dir = std::env::temp_dir().join(format!("conform-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca: PathBuf = dir.join("ca.pem");
    std::fs::write(&ca, &pem).unwrap();
    let json = dir.join("report.json");
    let target = format!("https://127.0.0.1:{}/graphql", addr.port());

    let mut args = base_args(&target);
    args.extend([
        "--ca-cert".into(),
        ca.display().to_string(),
        "--json".into(),
        json.display().to_string(),
    ]);
    let out = conform(args).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");

    // Several scenarios really ran over HTTPS and passed.
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let passed: Vec<&str> = report["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["status"] == "passed")
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        passed.len() >= 3,
        "at least three scenarios pass over HTTPS: {report:#}"
    );
    assert_eq!(report["failed"], 0, "{report:#}");
    assert!(
        report["uncleaned_accounts"].as_array().is_some_and(Vec::is_empty),
        "accounts cleaned up over HTTPS: {report:#}"
    );
    assert!(
        stdout.contains("signin/success") && stdout.contains("signin/wrong_password"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_target_without_ca_cert_says_the_certificate_is_not_trusted() {
    let server = TestServer::start(Profile::Saas).await;
    let (addr, _pem) = tls_forwarder(server.addr).await;
    let target = format!("https://127.0.0.1:{}/graphql", addr.port());
    let out = conform(base_args(&target)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(stderr.contains("was not trusted"), "{stderr}");
    assert!(stderr.contains("--ca-cert"), "says what to do: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_ca_cert_is_a_start_error() {
    let dir = std::env::temp_dir().join(format!("conform-badca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("not-a-cert.pem");
    std::fs::write(&bad, "hello").unwrap();
    let mut args = base_args("https://127.0.0.1:1/graphql");
    args.extend(["--ca-cert".into(), bad.display().to_string()]);
    let out = conform(args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(stderr.contains("--ca-cert"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Besides the built-in roots, the system's CA bundle is trusted (what the container image's
/// /etc/ssl/certs/ca-certificates.crt is for): a private CA put there, here through
/// SSL_CERT_FILE, needs no --ca-cert. `health` uses the same HTTP client as `conform`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_in_the_system_bundle_is_trusted_without_ca_cert() {
    let server = TestServer::start(Profile::Saas).await;
    let (addr, pem) = tls_forwarder(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca-certificates.crt");
    std::fs::write(&bundle, &pem).unwrap();
    let url = format!("https://127.0.0.1:{}/graphql", addr.port());
    let health = |bundle: Option<PathBuf>| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_commerce-auth-mock"));
        command
            .args(["health", "--url", &url])
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR");
        if let Some(bundle) = bundle {
            command.env("SSL_CERT_FILE", bundle);
        }
        command.output()
    };
    let trusted = health(Some(bundle)).await.unwrap();
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    let untrusted = health(None).await.unwrap();
    assert_eq!(untrusted.status.code(), Some(1));
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert!(err.to_ascii_lowercase().contains("certificate"), "{err}");
}

async fn start_error_of(target: &str, ca_pem: Option<&str>) -> String {
    let dir = std::env::temp_dir().join(format!("conform-tls-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = base_args(target);
    if let Some(pem) = ca_pem {
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, pem).unwrap();
        args.extend(["--ca-cert".into(), ca.display().to_string()]);
    }
    let out = conform(args).await;
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    stderr
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_port_says_the_server_speaks_plain_http() {
    let server = TestServer::start(Profile::Saas).await;
    let target = format!("https://127.0.0.1:{}/graphql", server.addr.port());
    let stderr = start_error_of(&target, None).await;
    assert!(
        stderr.contains(&format!(
            "127.0.0.1:{} answers plain HTTP, not TLS",
            server.addr.port()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("http://127.0.0.1:{}/graphql", server.addr.port())),
        "suggests the http:// URL: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_flagged_self_signed_certificate_is_named_as_such() {
    let server = TestServer::start(Profile::Saas).await;
    let (cert, key) = ca_flagged_self_signed(&["127.0.0.1", "localhost"]);
    let (addr, pem) = tls_forwarder_with(server.addr, cert, key).await;
    let target = format!("https://127.0.0.1:{}/graphql", addr.port());
    let stderr = start_error_of(&target, Some(&pem)).await;
    assert!(
        stderr.contains("is a CA certificate (basicConstraints CA:TRUE)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("openssl req -x509"),
        "says where such certificates come from: {stderr}"
    );
    assert!(
        stderr.contains("basicConstraints=critical,CA:FALSE"),
        "says how to make one: {stderr}"
    );
    assert!(
        !stderr.contains("does not contain the CA"),
        "does not blame the CA file: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_name_is_a_name_mismatch() {
    let server = TestServer::start(Profile::Saas).await;
    let ck = rcgen::generate_simple_self_signed(vec!["shop.example".to_string()]).unwrap();
    let (addr, pem) = tls_forwarder_with(server.addr, ck.cert, ck.signing_key).await;
    let target = format!("https://127.0.0.1:{}/graphql", addr.port());
    let stderr = start_error_of(&target, Some(&pem)).await;
    assert!(stderr.contains("is not valid for 127.0.0.1"), "{stderr}");
    assert!(
        stderr.contains("shop.example"),
        "names what the certificate covers: {stderr}"
    );
    assert!(stderr.contains("subjectAltName"), "says how to fix it: {stderr}");
}
