//! Connection set-up with TLS beside the same connection without it: same server, same
//! role (SCRAM), same run, so the only difference is the handshake. Prints p50/p95/max
//! of N fresh connections (connect + `SELECT 1` + close) per mode. A benchmark: it prints
//! figures and never fails on slowness. Run through scripts/bench-pg-tls.sh, which starts
//! the TLS test cluster.

use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::{Duration, Instant};

fn figures(mut d: Vec<Duration>) -> (f64, f64, f64) {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(d[((d.len() as f64 * q).ceil() as usize).clamp(1, d.len()) - 1]);
    (at(0.5), at(0.95), ms(*d.last().unwrap()))
}

async fn time(options: &PgConnectOptions, n: usize) -> (Vec<Duration>, bool) {
    let mut out = Vec::with_capacity(n);
    let mut encrypted = false;
    for _ in 0..n {
        let t = Instant::now();
        let mut c = PgConnection::connect_with(options).await.expect("connect");
        encrypted = brm_store::postgres::tls::connection_security(&mut c)
            .await
            .expect("pg_stat_ssl")
            .encrypted;
        c.close().await.expect("close");
        out.push(t.elapsed());
    }
    (out, encrypted)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    brm_store::postgres::tls::ensure_crypto_provider();
    let url = std::env::var("BRM_TEST_POSTGRES_TLS_URL").expect("BRM_TEST_POSTGRES_TLS_URL");
    let ca = std::env::var("BRM_TEST_PG_CA").expect("BRM_TEST_PG_CA");
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let base = PgConnectOptions::from_str(&url)
        .expect("url")
        .disable_statement_logging();
    let plain = base.clone().ssl_mode(PgSslMode::Disable);
    let tls = base
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert(ca.as_str());
    // Warm both paths once (DNS, the server's first backend start, the CA file read).
    time(&plain, 3).await;
    time(&tls, 3).await;
    println!("Conexões novas ao mesmo servidor (connect + SELECT + close), {n} de cada:");
    println!(
        "{:<28} {:>9} {:>9} {:>9}",
        "modo", "p50 ms", "p95 ms", "máx ms"
    );
    for (label, options) in [("sem TLS (disable)", &plain), ("TLS verify-full", &tls)] {
        let (d, encrypted) = time(options, n).await;
        let (p50, p95, max) = figures(d);
        println!(
            "{:<28} {p50:>9.2} {p95:>9.2} {max:>9.2}   criptografada: {}",
            label,
            if encrypted { "sim" } else { "não" }
        );
    }
}
