//! How the worker behaves: intervals, caps and the retry policy. Defaults are the
//! product's; the settings screen and tests change them.

use chrono::Duration;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Who holds leases: unique per running worker (host, process, random part).
    pub owner: String,
    /// Between two cycles when nothing wakes the worker earlier.
    pub poll_interval: std::time::Duration,
    /// How long a claimed or polled execution stays ours without renewal.
    pub lease: Duration,
    /// Open robot jobs at once, in the whole database.
    pub global_cap: i64,
    /// Open robot jobs at once per operator (operator portals lock accounts that log
    /// in too often).
    pub per_operator_cap: i64,
    /// New jobs started per cycle at most.
    pub claim_batch: i64,
    /// Executions polled per cycle at most, and how many requests at once.
    pub poll_batch: i64,
    pub poll_concurrency: usize,
    /// Requests in flight at once per robot endpoint: a hanging answer holds one of
    /// them, never the others' polls and creates.
    pub endpoint_concurrency: usize,
    /// A job's status or the list of jobs not answered after this long is asked again
    /// beside the first request (reads only; a create is never sent twice).
    pub hedge_after: std::time::Duration,
    /// How long the background loop waits for a cycle's requests before it goes on
    /// (the slower ones finish on their own; the next cycle leaves them alone).
    pub cycle_wait: std::time::Duration,
    /// After a create's answer was lost: wait this long, then look for its job in the
    /// robot's list of jobs.
    pub reconcile_after: Duration,
    /// How far the robot's clock may be from this computer's (widens the window in which
    /// a lost create's job is looked for).
    pub robot_clock_margin: Duration,
    /// A lost create whose job cannot be told without doubt for this long goes to a
    /// person ("Precisa de atenção") with the candidate jobs named.
    pub reconcile_give_up: Duration,
    /// A robot job still running this long after the operator's time limit is taken as
    /// stuck: it goes to a person (jobs cannot be cancelled on the robot, so a new attempt
    /// beside it could log into the portal, or fill the SAT, twice).
    pub late_give_up: Duration,
    /// At a clean stop, how long requests in flight may take to end before they are
    /// interrupted (a create gives up after 15 s by itself).
    pub stop_grace: std::time::Duration,
    /// A SAT upload whose invoice this machine cannot read is left to the others for this
    /// long before this machine tries it again.
    pub unreadable_retry: Duration,
    /// This machine's name in Configurações → Máquinas robô.
    pub machine_name: String,
    /// How often the machine refreshes its "last seen" time and re-reads the stored
    /// passwords even when no robot machine was approved or removed.
    pub reseal_every: Duration,
    /// Delay before retry n (1-based); the last one repeats.
    pub backoff: Vec<Duration>,
    /// ± this fraction of the delay, so a month's failures do not retry in one burst.
    pub jitter: f64,
    /// A job that completed with no invoice ("no invoice available yet") is tried again
    /// after this long, without counting an attempt.
    pub deferral: Duration,
    /// Downloads start by themselves for due processes; otherwise only a schedule or
    /// "Baixar agora" starts them.
    pub auto_download: bool,
    /// SAT uploads start by themselves after approval (a setting).
    pub auto_sat: bool,
    /// `/health` of the main robot service, and how many misses make it "indisponível".
    pub health_interval: std::time::Duration,
    pub health_misses: u32,
    /// Log lines of executions finished longer ago than this are removed by LIMPEZA_LOGS.
    pub keep_logs: Duration,
    /// Where BACKUP_DADOS writes SQLite copies, and how many it keeps.
    pub backup_dir: Option<std::path::PathBuf>,
    pub keep_backups: usize,
    /// Between two looks at the e-mail outbox (a planned message wakes it sooner).
    pub mail_interval: std::time::Duration,
    /// Messages taken at once, and how long they stay this machine's.
    pub mail_batch: i64,
    pub mail_lease: Duration,
    /// The longest a connection to the mail server, or one send, may take.
    pub smtp_timeout: std::time::Duration,
    /// An extra trusted authority for the mail server's certificate (PEM; an office's
    /// own CA), from `BRM_SMTP_CA_FILE` for `brm-desk worker`.
    pub smtp_extra_ca_pem: Option<Vec<u8>>,
}

impl WorkerConfig {
    pub fn new(owner: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            poll_interval: std::time::Duration::from_secs(10),
            lease: Duration::seconds(120),
            global_cap: 10,
            per_operator_cap: 3,
            claim_batch: 20,
            poll_batch: 2000,
            poll_concurrency: 16,
            endpoint_concurrency: 8,
            cycle_wait: std::time::Duration::from_secs(5),
            hedge_after: std::time::Duration::from_secs(3),
            reconcile_after: Duration::seconds(5),
            robot_clock_margin: Duration::minutes(2),
            reconcile_give_up: Duration::hours(2),
            late_give_up: Duration::hours(6),
            stop_grace: std::time::Duration::from_secs(15),
            unreadable_retry: Duration::minutes(10),
            machine_name: std::env::var("BRM_MACHINE_NAME")
                .ok()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| gethostname::gethostname().to_string_lossy().into_owned()),
            reseal_every: Duration::minutes(10),
            backoff: vec![
                Duration::minutes(30),
                Duration::hours(1),
                Duration::hours(2),
            ],
            jitter: 0.1,
            deferral: Duration::hours(6),
            auto_download: true,
            auto_sat: true,
            health_interval: std::time::Duration::from_secs(30),
            health_misses: 3,
            keep_logs: Duration::days(90),
            backup_dir: None,
            keep_backups: 7,
            mail_interval: std::time::Duration::from_secs(15),
            mail_batch: 50,
            mail_lease: Duration::minutes(5),
            smtp_timeout: std::time::Duration::from_secs(30),
            smtp_extra_ca_pem: std::env::var_os("BRM_SMTP_CA_FILE")
                .and_then(|p| std::fs::read(p).ok()),
        }
    }

    /// A lease owner name that differs between two workers on one machine.
    pub fn default_owner() -> String {
        let host = std::env::var("HOSTNAME")
            .or_else(|_| std::env::var("COMPUTERNAME"))
            .unwrap_or_else(|_| "desktop".into());
        format!(
            "{host}:{}:{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        )
    }
}
