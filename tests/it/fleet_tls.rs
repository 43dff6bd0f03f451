//! The fleet behind a NATS server that speaks only TLS, with a certificate
//! from a CA the test makes (rcgen): with `[fleet] tls = true` and `ca`
//! naming that CA, a worker and a coordinator crawl the test site; without
//! `ca` the server's certificate is unknown, and both stop at once with
//! exit code 2 and a message that names `[fleet] ca`.

use std::path::Path;
use std::process::{Child, Stdio};

use earshot_test_utils::server::start;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

use crate::fleet::{check, config, finish, free_port, nats_server_with, site, Proc, PAGES};
use crate::fleet_auth::refused;

fn earshot(cfg: &Path, args: &[&str]) -> Child {
    crate::util::earshot()
        .arg("--config")
        .arg(cfg)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Writes `ca.pem`, `server.pem` and `server.key` into `dir`: a CA and a
/// server certificate it signed for 127.0.0.1 and localhost.
fn certificates(dir: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "earshot test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca_cert, &ca_key)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_crawls_over_tls_and_an_unknown_certificate_is_refused_clearly() {
    let a = start(site("alpha", false)).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certificates(d);
    std::fs::write(
        d.join("tls.conf"),
        format!(
            "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n}}\n",
            d.join("server.pem").display(),
            d.join("server.key").display()
        ),
    )
    .unwrap();
    let port = free_port();
    let conf = d.join("tls.conf");
    let _nats = nats_server_with(&d.join("nats"), port, &["-c", conf.to_str().unwrap()]);
    let url = format!("nats://127.0.0.1:{port}");
    let worker_args = ["worker", "--fleet", url.as_str()];
    let crawl_args = ["crawl", "--json", "--fleet", url.as_str()];

    // No `ca`: the server's certificate is signed by no CA we trust.
    let cfg = config(d, &[&a], "tls = true\n");
    for args in [&worker_args[..], &crawl_args[..]] {
        let (code, err) = refused(earshot(&cfg, args));
        assert_eq!(code, Some(2), "{args:?}: {err}");
        for want in [format!("TLS to NATS at {url} failed"), "[fleet] ca".into()] {
            assert!(err.contains(&want), "{args:?}: `{want}` not in: {err}");
        }
    }
    assert!(a.hits().is_empty(), "nothing fetched without a connection");

    // With the CA: the crawl works over TLS.
    let ca = d.join("ca.pem");
    let cfg = config(
        d,
        &[&a],
        &format!("tls = true\nca = \"{}\"\n", ca.display()),
    );
    let worker = Proc(earshot(&cfg, &worker_args));
    let coord = earshot(&cfg, &crawl_args);
    let summary = tokio::task::spawn_blocking(move || finish(coord))
        .await
        .unwrap();
    drop(worker);
    assert_eq!(summary["mentions_new"], PAGES as u64, "{summary}");
    assert_eq!(summary["pages_failed"], 0, "{summary}");
    check(d, &[&a]);
}
