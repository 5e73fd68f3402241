//! `brm-simulator`: the robot service simulator as a process, for tests and manual runs.
//! Prints `listening on http://127.0.0.1:PORT` once bound, then serves until Ctrl-C.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use brm_core::clock::{ManualClock, SystemClock};
use brm_simulator::{Faults, ResultShape, SimConfig, Simulator};
use chrono::{DateTime, Utc};

const USAGE: &str = "\
Uso: brm-simulator [opções]
  --port N              porta em 127.0.0.1 (padrão 8000; 0 = qualquer livre)
  --seed N              semente (padrão 42)
  --token T             token Bearer aceito (padrão token-simulador)
  --storage-dir DIR     pasta onde as faturas são gravadas (padrão ./faturas-simulador)
  --manual-clock        relógio manual (avança só por POST /_sim/clock/advance)
  --start ISO8601       início do relógio manual (padrão: agora), ex. 2026-11-01T12:00:00Z
  --faults JSON         falhas injetadas, ex. '{\"failure_rate\":0.1,\"slow_ms\":200}'
  --workers N           robôs simultâneos (padrão 5)
  --job-secs A,B        duração dos jobs em segundos simulados (padrão 20,60)
  --purge-hours N       horas até apagar jobs terminados (padrão 24)
  --operators A,B,...   códigos de operadora aceitos (padrão OI,VIVO,EMBRATEL,DIGITALNET)
  --result-shape key|object  formato de result (padrão key)";

struct Args {
    port: u16,
    cfg: SimConfig,
    storage_dir: PathBuf,
    manual_clock: bool,
    start: Option<DateTime<Utc>>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        port: 8000,
        cfg: SimConfig::default(),
        storage_dir: PathBuf::from("faturas-simulador"),
        manual_clock: false,
        start: None,
    };
    while let Some(flag) = it.next() {
        if flag == "--manual-clock" {
            args.manual_clock = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let (flag, value) = match flag.split_once('=') {
            Some((f, v)) => (f.to_string(), v.to_string()),
            None => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("{flag} precisa de um valor"))?;
                (flag, v)
            }
        };
        let bad = |what: &str| format!("valor inválido para {flag}: {value} ({what})");
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(|_| bad("número"))?,
            "--seed" => args.cfg.seed = value.parse().map_err(|_| bad("número"))?,
            "--token" => args.cfg.token = value.clone(),
            "--storage-dir" => args.storage_dir = PathBuf::from(&value),
            "--start" => {
                let t = DateTime::parse_from_rfc3339(&value).map_err(|_| bad("ISO 8601"))?;
                args.start = Some(t.with_timezone(&Utc));
            }
            "--faults" => {
                let f: Faults =
                    serde_json::from_str(&value).map_err(|e| bad(&format!("JSON: {e}")))?;
                f.validate().map_err(|e| bad(&e))?;
                args.cfg.faults = f;
            }
            "--workers" => args.cfg.workers = value.parse().map_err(|_| bad("número"))?,
            "--job-secs" => {
                let (a, b) = value.split_once(',').ok_or_else(|| bad("A,B"))?;
                args.cfg.job_secs = (
                    a.trim().parse().map_err(|_| bad("A,B"))?,
                    b.trim().parse().map_err(|_| bad("A,B"))?,
                );
            }
            "--purge-hours" => {
                let h: i64 = value.parse().map_err(|_| bad("número"))?;
                args.cfg.purge_after = chrono::Duration::hours(h);
            }
            "--operators" => {
                args.cfg.operators = value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            "--result-shape" => {
                args.cfg.result_shape = match value.as_str() {
                    "key" => ResultShape::Key,
                    "object" => ResultShape::Object,
                    _ => return Err(bad("key ou object")),
                }
            }
            _ => return Err(format!("opção desconhecida: {flag}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if msg.is_empty() {
                println!("{USAGE}");
                return;
            }
            eprintln!("{msg}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let storage = match brm_storage::LocalFolder::new(&args.storage_dir) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("não foi possível usar a pasta de faturas: {e}");
            std::process::exit(1);
        }
    };
    let sim = if args.manual_clock {
        let start = args.start.unwrap_or_else(Utc::now);
        Simulator::with_manual_clock(args.cfg, storage, Arc::new(ManualClock::new(start)))
    } else {
        Simulator::new(args.cfg, storage, Arc::new(SystemClock))
    };
    let running = match sim.serve(args.port).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("não foi possível abrir a porta {}: {e}", args.port);
            std::process::exit(1);
        }
    };
    println!("listening on {}", running.base_url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Args, String> {
        parse_args(s.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_every_option() {
        let a = parse(
            "--port 0 --seed 7 --token T --storage-dir /tmp/x --manual-clock \
             --start 2026-11-01T12:00:00Z --faults {\"drop_rate\":0.5} --workers 3 \
             --job-secs 5,10 --result-shape=object --purge-hours 1 --operators OI,TIM",
        )
        .unwrap();
        assert_eq!(a.port, 0);
        assert_eq!(a.cfg.seed, 7);
        assert_eq!(a.cfg.token, "T");
        assert!(a.manual_clock);
        assert_eq!(a.cfg.faults.drop_rate, 0.5);
        assert_eq!(a.cfg.workers, 3);
        assert_eq!(a.cfg.job_secs, (5, 10));
        assert_eq!(a.cfg.result_shape, ResultShape::Object);
        assert_eq!(a.cfg.purge_after, chrono::Duration::hours(1));
        assert_eq!(a.cfg.operators, vec!["OI", "TIM"]);
        assert!(a.start.is_some());
    }

    #[test]
    fn refuses_bad_values() {
        assert!(parse("--port x").is_err());
        assert!(parse("--faults {\"drop_rate\":2}").is_err());
        assert!(parse("--result-shape xml").is_err());
        assert!(parse("--bogus 1").is_err());
        assert!(parse("--seed").is_err());
    }
}
