//! Schedules (agendamentos): recurring jobs of the background service, by cron.

use crate::execution::wire_enum;
use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use croner::Cron;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

wire_enum!(ScheduleKind {
    CriarProcessosMensais = "CRIAR_PROCESSOS_MENSAIS",
    ExecutarDownloads = "EXECUTAR_DOWNLOADS",
    ExecutarEnviosSat = "EXECUTAR_ENVIOS_SAT",
    LimpezaLogs = "LIMPEZA_LOGS",
    BackupDados = "BACKUP_DADOS",
    ResumoEmail = "RESUMO_EMAIL",
    LembretesEmail = "LEMBRETES_EMAIL",
});

impl ScheduleKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::CriarProcessosMensais => "Criar processos do mês",
            Self::ExecutarDownloads => "Baixar faturas",
            Self::ExecutarEnviosSat => "Enviar ao SAT",
            Self::LimpezaLogs => "Limpar registros antigos",
            Self::BackupDados => "Cópia de segurança",
            Self::ResumoEmail => "Resumo diário por e-mail (na hora de cada pessoa)",
            Self::LembretesEmail => "Lembretes e escalonamentos por e-mail",
        }
    }

    /// Whether the schedule editor offers this kind for new schedules. Not BACKUP_DADOS:
    /// the embedded database's daily copy has its own setting (Configurações → Cópias de
    /// segurança: `backup.diario`, `backup.hora`, `backup.manter`), which also decides how
    /// many copies are kept; a second, cron-driven copy would double the files and ignore
    /// that choice, and PostgreSQL is backed up by its server. Existing ones stay listed.
    pub fn offered_in_editor(self) -> bool {
        self != Self::BackupDados
    }

    /// Only download batches may be limited to one operator.
    pub fn takes_operator(self) -> bool {
        self == Self::ExecutarDownloads
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: Uuid,
    pub name: String,
    /// Five fields (minute hour day month weekday), read in Brasília time.
    pub cron: String,
    pub kind: ScheduleKind,
    /// Download batches may be limited to one operator.
    pub operator_id: Option<Uuid>,
    pub active: bool,
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Brasília time (UTC−3, no daylight saving since 2019): the zone the cron fields are read in.
pub fn brasilia() -> FixedOffset {
    FixedOffset::west_opt(3 * 3600).expect("valid offset")
}

/// (name, lowest, highest) of the five fields.
const FIELDS: [(&str, u32, u32); 5] = [
    ("minuto", 0, 59),
    ("hora", 0, 23),
    ("dia do mês", 1, 31),
    ("mês", 1, 12),
    ("dia da semana", 0, 7),
];

/// Checks one comma-separated item of a numeric field (`*`, `5`, `1-5`, `*/15`, `0-30/10`).
/// Items with names or croner's extras (`MON`, `L`, `5#2`, `?`) are left to croner.
fn check_item(item: &str, (name, lo, hi): (&str, u32, u32)) -> Result<(), String> {
    if !item
        .chars()
        .all(|c| c.is_ascii_digit() || "*-/".contains(c))
    {
        return Ok(());
    }
    let bad = || format!("O campo {name} tem um valor inválido: \"{item}\".");
    let (base, step) = match item.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(n) if n >= 1 => {}
            _ => return Err(bad()),
        }
    }
    if base == "*" {
        return Ok(());
    }
    let num = |t: &str| -> Result<u32, String> {
        let n: u32 = t.parse().map_err(|_| bad())?;
        if n < lo || n > hi {
            return Err(format!(
                "O campo {name} aceita de {lo} a {hi}; \"{t}\" está fora desse intervalo."
            ));
        }
        Ok(n)
    };
    match base.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(format!(
                    "O campo {name} tem um intervalo invertido: \"{base}\" (o início deve vir antes do fim)."
                ));
            }
        }
        None => {
            num(base)?;
        }
    }
    Ok(())
}

/// Checks a cron expression (five fields: minute hour day month weekday), with a pt-BR
/// reason when it is wrong.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    let parts: Vec<&str> = expr.split_whitespace().collect();
    if parts.is_empty() {
        return Err("Informe a expressão cron.".into());
    }
    if parts.len() != 5 {
        return Err(format!(
            "A expressão cron precisa de 5 campos (minuto hora dia mês dia-da-semana); tem {}.",
            parts.len()
        ));
    }
    for (part, field) in parts.iter().zip(FIELDS) {
        for item in part.split(',') {
            check_item(item, field)?;
        }
    }
    Cron::from_str(&parts.join(" ")).map_err(|_| {
        "Expressão cron inválida: confira os cinco campos (minuto hora dia mês dia-da-semana)."
            .to_string()
    })
}

/// The next `n` runs strictly after `after`, in UTC (the fields read in Brasília time).
pub fn next_runs(expr: &str, after: DateTime<Utc>, n: usize) -> Result<Vec<DateTime<Utc>>, String> {
    let cron = parse_cron(expr)?;
    let mut out = Vec::with_capacity(n);
    // Whole seconds: croner keeps the start's fraction of a second in what it finds.
    let mut t = after.trunc_subsecs(0).with_timezone(&brasilia());
    for _ in 0..n {
        match cron.find_next_occurrence(&t, false) {
            Ok(next) => {
                out.push(next.with_timezone(&Utc));
                t = next;
            }
            Err(_) => {
                return Err(format!(
                    "A expressão \"{}\" nunca acontece (por exemplo, dia 31 de um mês de 30 dias).",
                    expr.trim()
                ))
            }
        }
    }
    Ok(out)
}

pub fn next_run(expr: &str, after: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    Ok(next_runs(expr, after, 1)?[0])
}

/// A plain number within the field's range.
fn plain(field: &str, hi: u32) -> Option<u32> {
    if field.is_empty() || !field.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    field.parse().ok().filter(|n| *n <= hi)
}

const WEEKDAYS_PLURAL: [&str; 7] = [
    "Domingos",
    "Segundas-feiras",
    "Terças-feiras",
    "Quartas-feiras",
    "Quintas-feiras",
    "Sextas-feiras",
    "Sábados",
];

/// The weekday's name in pt-BR (0 = domingo), as the preview shows it.
pub fn weekday_name(days_from_sunday: u32) -> &'static str {
    [
        "domingo",
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
    ][(days_from_sunday % 7) as usize]
}

/// What an expression means, in pt-BR, for the simple shapes the editor's presets make
/// ("Todo dia às 02:00", "Dia 1 de cada mês às 06:00", "Domingos às 03:00"); anything
/// else is "Expressão personalizada" (an invalid one too: the editor shows its error).
pub fn describe_cron(expr: &str) -> String {
    const CUSTOM: &str = "Expressão personalizada";
    if parse_cron(expr).is_err() {
        return CUSTOM.into();
    }
    let f: Vec<&str> = expr.split_whitespace().collect();
    let (min, hour, dom, mon, dow) = (f[0], f[1], f[2], f[3], f[4]);
    if mon != "*" {
        return CUSTOM.into();
    }
    if let (Some(m), Some(h)) = (plain(min, 59), plain(hour, 23)) {
        let at = format!("às {h:02}:{m:02}");
        return match (dom, dow) {
            ("*", "*") => format!("Todo dia {at}"),
            ("*", "1-5") => format!("De segunda a sexta {at}"),
            ("*", d) => match plain(d, 7) {
                Some(d) => format!("{} {at}", WEEKDAYS_PLURAL[(d % 7) as usize]),
                None => CUSTOM.into(),
            },
            (d, "*") => match plain(d, 31).filter(|d| *d >= 1) {
                Some(d) => format!("Dia {d} de cada mês {at}"),
                None => CUSTOM.into(),
            },
            _ => CUSTOM.into(),
        };
    }
    if (hour, dom, dow) == ("*", "*", "*") {
        if let Some(m) = plain(min, 59) {
            return format!("A cada hora, no minuto {m:02}");
        }
        if let Some(n) = min.strip_prefix("*/").and_then(|n| plain(n, 59)) {
            return match n {
                0 => CUSTOM.into(),
                1 => "A cada minuto".into(),
                n => format!("A cada {n} minutos"),
            };
        }
    }
    CUSTOM.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cron_runs_in_brasilia_time() {
        // 06:00 in Brasília is 09:00 UTC.
        let after = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let runs = next_runs("0 6 1 * *", after, 2).unwrap();
        assert_eq!(runs[0], Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap());
        assert_eq!(runs[1], Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap());
        // Strictly after: a run at `after` itself is not the next one.
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert_eq!(next_run("0 6 1 * *", at).unwrap(), runs[1]);
        // A clock with a fraction of a second still gives runs on the minute.
        let after = after + chrono::Duration::nanoseconds(333_627_956);
        assert_eq!(next_runs("0 6 1 * *", after, 2).unwrap(), runs);
    }

    #[test]
    fn wrong_expressions_are_explained_in_portuguese() {
        assert_eq!(parse_cron("  ").unwrap_err(), "Informe a expressão cron.");
        assert!(parse_cron("0 6 1 *").unwrap_err().contains("5 campos"));
        assert_eq!(
            parse_cron("99 6 1 * *").unwrap_err(),
            "O campo minuto aceita de 0 a 59; \"99\" está fora desse intervalo."
        );
        assert_eq!(
            parse_cron("0 24 * * *").unwrap_err(),
            "O campo hora aceita de 0 a 23; \"24\" está fora desse intervalo."
        );
        assert!(parse_cron("0 6 0 * *").unwrap_err().contains("dia do mês"));
        assert!(parse_cron("0 6 * 13 *")
            .unwrap_err()
            .contains("O campo mês"));
        assert!(parse_cron("0 6 * * 8")
            .unwrap_err()
            .contains("dia da semana"));
        assert!(parse_cron("0 6 * * 5-1").unwrap_err().contains("invertido"));
        assert!(parse_cron("*/0 * * * *")
            .unwrap_err()
            .contains("valor inválido"));
        assert!(parse_cron("a b c d e")
            .unwrap_err()
            .contains("Expressão cron inválida"));
        assert!(parse_cron("*/15 * * * 1-5").is_ok());
        assert!(parse_cron("0 6 * * MON").is_ok());
        assert!(parse_cron("0,30 8-18 * * *").is_ok());
    }

    #[test]
    fn an_expression_that_never_happens_is_refused() {
        let after = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        assert!(next_runs("0 6 31 2 *", after, 5)
            .unwrap_err()
            .contains("nunca acontece"));
    }

    #[test]
    fn simple_expressions_are_described() {
        assert_eq!(describe_cron("0 2 * * *"), "Todo dia às 02:00");
        assert_eq!(describe_cron("0 6 1 * *"), "Dia 1 de cada mês às 06:00");
        assert_eq!(describe_cron("0 3 * * 0"), "Domingos às 03:00");
        assert_eq!(describe_cron("30 14 * * 7"), "Domingos às 14:30");
        assert_eq!(describe_cron("5 8 * * 3"), "Quartas-feiras às 08:05");
        assert_eq!(describe_cron("0 7 * * 1-5"), "De segunda a sexta às 07:00");
        assert_eq!(describe_cron("*/15 * * * *"), "A cada 15 minutos");
        assert_eq!(describe_cron("10 * * * *"), "A cada hora, no minuto 10");
        for custom in [
            "0 6 1 1 *",
            "0 6 1 * 1",
            "0,30 6 * * *",
            "0 6 * * MON",
            "99 6 * * *",
        ] {
            assert_eq!(describe_cron(custom), "Expressão personalizada", "{custom}");
        }
    }

    #[test]
    fn backups_are_not_offered_in_the_editor() {
        let offered: Vec<_> = ScheduleKind::ALL
            .iter()
            .filter(|k| k.offered_in_editor())
            .collect();
        assert_eq!(offered.len(), ScheduleKind::ALL.len() - 1);
        assert!(!ScheduleKind::BackupDados.offered_in_editor());
        assert!(ScheduleKind::ExecutarDownloads.takes_operator());
        assert!(!ScheduleKind::LimpezaLogs.takes_operator());
    }

    #[test]
    fn wire_values_round_trip() {
        for k in ScheduleKind::ALL {
            assert_eq!(ScheduleKind::parse(k.as_str()), Some(*k));
            assert!(!k.label().is_empty());
        }
        assert_eq!(ScheduleKind::parse("OUTRO"), None);
    }
}
