//! A finished download's file: read it where the robot left it (a storage key, or a URL
//! for robots that answer one), check it is a PDF, and store it under our own key with
//! its SHA-256.

use brm_core::execution::ErrorClass;
use brm_core::invoice::{display_file_name, looks_like_pdf, storage_key, MAX_BYTES};
use brm_core::process::Process;
use brm_storage::{Bytes, InvoiceStorage, StorageError, StoredObject};

pub(crate) struct StoredInvoice {
    pub stored: StoredObject,
    pub file_name: String,
    /// The file itself, to read its amount and due date.
    pub bytes: Bytes,
}

pub(crate) type Failure = (ErrorClass, String);

/// `robot`: the base URL of the robot service that did the job; a file named by URL is
/// fetched only from that service's own origin.
pub(crate) async fn fetch_and_store(
    storage: &dyn InvoiceStorage,
    http: &reqwest::Client,
    file: &str,
    process: &Process,
    robot: &str,
) -> Result<StoredInvoice, Failure> {
    let bytes = if file.starts_with("http://") || file.starts_with("https://") {
        fetch_url(http, file, robot).await?
    } else {
        storage.get(file).await.map_err(|e| from_storage(file, e))?
    };
    if bytes.len() > MAX_BYTES {
        return Err((
            ErrorClass::Negocio,
            format!(
                "O arquivo entregue pelo robô tem {} MB; o limite é {} MB.",
                bytes.len() / (1024 * 1024),
                MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    if !looks_like_pdf(&bytes) {
        return Err((
            ErrorClass::Negocio,
            format!("O arquivo entregue pelo robô ({file}) não é um PDF."),
        ));
    }
    let key = storage_key(process, &brm_storage::sha256_hex(&bytes));
    let stored = storage
        .put(&key, bytes.clone())
        .await
        .map_err(|e| from_storage(&key, e))?;
    Ok(StoredInvoice {
        stored,
        file_name: display_file_name(file),
        bytes,
    })
}

/// The client that fetches invoices by URL: redirects only within the same origin (at
/// most 3), so a robot cannot send the desktop to another host of the office network.
pub(crate) fn download_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if same && attempt.previous().len() <= 3 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }))
        .build()
        .expect("HTTP client")
}

/// Only from the robot's own origin; the size checked from Content-Length first, then the
/// body read in pieces and given up past [`MAX_BYTES`]: a lying or missing length cannot
/// make the desktop hold more than that.
async fn fetch_url(http: &reqwest::Client, url: &str, robot: &str) -> Result<Bytes, Failure> {
    let business = |m: String| (ErrorClass::Negocio, m);
    let transient = |m: String| (ErrorClass::Transitorio, m);
    let too_big = || {
        business(format!(
            "O arquivo entregue pelo robô passa do limite de {} MB.",
            MAX_BYTES / (1024 * 1024)
        ))
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        business(format!(
            "O robô indicou um endereço de fatura inválido: {url}."
        ))
    })?;
    let own = reqwest::Url::parse(robot).map(|r| r.origin());
    if own.as_ref().map_or(true, |o| *o != parsed.origin()) {
        return Err(business(format!(
            "O robô indicou a fatura em outro endereço ({}); só o próprio serviço de robôs é aceito.",
            parsed.host_str().unwrap_or("?")
        )));
    }
    let mut resp = http
        .get(parsed)
        .send()
        .await
        .map_err(|e| transient(format!("Não foi possível baixar a fatura do robô: {e}")))?;
    if resp.status().is_redirection() {
        return Err(business(
            "O endereço da fatura redirecionou para outro servidor; redirecionamentos para fora do serviço de robôs não são seguidos.".into(),
        ));
    }
    if !resp.status().is_success() {
        return Err(transient(format!(
            "O endereço da fatura respondeu {}.",
            resp.status().as_u16()
        )));
    }
    if resp.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(too_big());
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transient(format!("A transferência da fatura foi interrompida: {e}")))?
    {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

fn from_storage(key: &str, e: StorageError) -> Failure {
    match e {
        StorageError::NotFound(_) => (
            ErrorClass::Transitorio,
            format!("O robô informou o arquivo {key}, mas ele não está no armazenamento."),
        ),
        StorageError::InvalidKey(_) => (
            ErrorClass::Negocio,
            format!("O robô informou um nome de arquivo inválido: {key}."),
        ),
        other => (ErrorClass::Transitorio, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    //! A robot that lies about its invoice, against real HTTP on loopback.
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A one-connection-at-a-time HTTP server answering every request with `answer`
    /// (head, then the body produced by `body`).
    async fn server(
        head: String,
        body: fn() -> Box<dyn Iterator<Item = Vec<u8>> + Send>,
    ) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let head = head.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    if sock.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    for piece in body() {
                        if sock.write_all(&piece).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("http://{addr}")
    }

    fn peak_rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
            })
            .unwrap_or(0)
    }

    fn megabytes(n: usize) -> Box<dyn Iterator<Item = Vec<u8>> + Send> {
        Box::new((0..n).map(|_| vec![b'%'; 1024 * 1024]))
    }

    #[tokio::test]
    async fn another_origin_a_redirect_out_and_oversized_bodies_are_refused_with_memory_bounded() {
        let http = download_client();
        let before = peak_rss_kb();

        // A URL on another origin than the robot's.
        let robot = server(
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into(),
            || Box::new(std::iter::empty()),
        )
        .await;
        let e = fetch_url(&http, "http://10.0.0.9/faturas/x.pdf", &robot)
            .await
            .unwrap_err();
        assert_eq!(e.0, ErrorClass::Negocio);
        assert!(e.1.contains("outro endereço (10.0.0.9)"), "{}", e.1);

        // A redirect from the robot's own origin to 127.0.0.2.
        let redirecting = server(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:9/segredo\r\nContent-Length: 0\r\n\r\n".into(),
            || Box::new(std::iter::empty()),
        )
        .await;
        let e = fetch_url(&http, &format!("{redirecting}/f.pdf"), &redirecting)
            .await
            .unwrap_err();
        assert_eq!(e.0, ErrorClass::Negocio);
        assert!(e.1.contains("redirecionou"), "{}", e.1);

        // 2 GB with no Content-Length (the server would go on; we stop at the cap).
        let endless = server(
            "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n".into(),
            || megabytes(2048),
        )
        .await;
        let e = fetch_url(&http, &format!("{endless}/f.pdf"), &endless)
            .await
            .unwrap_err();
        assert_eq!(e.0, ErrorClass::Negocio);
        assert!(e.1.contains("passa do limite de 20 MB"), "{}", e.1);

        // A Content-Length over the limit: refused before reading.
        let declared = server(
            "HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\n".into(),
            || megabytes(1),
        )
        .await;
        let e = fetch_url(&http, &format!("{declared}/f.pdf"), &declared)
            .await
            .unwrap_err();
        assert!(e.1.contains("passa do limite"), "{}", e.1);

        // A lying Content-Length (small), then far more bytes: still stopped at the cap,
        // or cut by the client for the extra bytes; never stored.
        let lying = server(
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".into(),
            || megabytes(64),
        )
        .await;
        let r = fetch_url(&http, &format!("{lying}/f.pdf"), &lying).await;
        assert!(
            r.as_ref().map_or(true, |b| b.len() <= 1000),
            "{:?}",
            r.map(|b| b.len())
        );

        let grown_mb = peak_rss_kb().saturating_sub(before) / 1024;
        eprintln!("# peak RSS growth over the hostile downloads: {grown_mb} MB");
        assert!(grown_mb < 100, "{grown_mb} MB");
    }

    #[tokio::test]
    async fn an_invoice_on_the_robots_own_origin_still_arrives() {
        let robot = server(
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n".into(),
            || Box::new(std::iter::once(b"%PDF-1.4\n".to_vec())),
        )
        .await;
        let bytes = fetch_url(
            &download_client(),
            &format!("{robot}/faturas/a.pdf"),
            &format!("{robot}/"),
        )
        .await
        .unwrap();
        assert_eq!(&bytes[..], b"%PDF-1.4\n");
    }
}
