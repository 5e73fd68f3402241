//! Whose invoice, and of which month: what the text of an invoice says about its
//! reference month, the CNPJs it names and its account code, so that a portal that still
//! shows last month's invoice, or another account's, is caught before approval.
//!
//! Only labelled values are read ("Mês de referência: 11/2026", "Código da conta: ...");
//! every CNPJ with valid check digits is kept (an invoice names the operator's CNPJ too,
//! so the client's is looked for among them).

use brm_core::execution::fold_text;
use regex::Regex;
use std::sync::OnceLock;

/// What the invoice text says about itself (brm-core's type: the approval check reads
/// it); each part `None`/empty when not printed.
pub type Identity = brm_core::approval::InvoiceIdentity;

const MONTHS: [&str; 12] = [
    "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez",
];

fn month_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // After "referência" (or "mês/ano"): 11/2026, 11-2026, 2026-11, nov/2026,
        // novembro de 2026.
        Regex::new(
            r"(?:referencia|mes/ano)[^0-9a-z]{0,12}(?:(\d{1,2})\s*[/.-]\s*(\d{4})|(\d{4})-(\d{2})|([a-z]{3})[a-z]*\s*(?:/|de)?\s*(\d{4}))",
        )
        .expect("valid")
    })
}

fn account_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:c[oó]digo da conta|n[uú]mero da conta|n[o.º°]* da conta|conta contrato|conta)[ \t]*:[ \t]*([A-Za-z0-9](?:[A-Za-z0-9./_-]| [A-Za-z0-9./_-]){0,39})",
        )
        .expect("valid")
    })
}

fn cnpj_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?:^|[^0-9])(\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2})(?:[^0-9]|$)").expect("valid")
    })
}

/// Reads the identity parts of an invoice's text.
pub fn read_identity(text: &str) -> Identity {
    let folded = fold_text(text);
    let reference_month = month_re().captures(&folded).and_then(|c| {
        let (y, m): (i32, u32) = if let (Some(m), Some(y)) = (c.get(1), c.get(2)) {
            (y.as_str().parse().ok()?, m.as_str().parse().ok()?)
        } else if let (Some(y), Some(m)) = (c.get(3), c.get(4)) {
            (y.as_str().parse().ok()?, m.as_str().parse().ok()?)
        } else {
            let name = c.get(5)?.as_str();
            let m = MONTHS.iter().position(|x| *x == name)? as u32 + 1;
            (c.get(6)?.as_str().parse().ok()?, m)
        };
        ((1..=12).contains(&m) && (2000..=2100).contains(&y)).then(|| format!("{y:04}-{m:02}"))
    });
    let mut cnpjs = Vec::new();
    for c in cnpj_re().captures_iter(text) {
        let digits: String = c[1].chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 14 && cnpj_valid(&digits) && !cnpjs.contains(&digits) {
            cnpjs.push(digits);
        }
    }
    // From the text as printed: the code keeps its case.
    let account = account_re()
        .captures(text)
        .map(|c| c[1].trim_end_matches(['.', '-', '/']).to_string())
        .filter(|a| !a.is_empty());
    Identity {
        reference_month,
        cnpjs,
        account,
    }
}

/// The CNPJ check digits (mod 11), as the client form checks them.
fn cnpj_valid(d: &str) -> bool {
    let n: Vec<u32> = d.chars().filter_map(|c| c.to_digit(10)).collect();
    if n.len() != 14 || n.iter().all(|x| *x == n[0]) {
        return false;
    }
    let dv = |len: usize| {
        let weights = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
        let w = &weights[13 - len..];
        let s: u32 = n[..len].iter().zip(w).map(|(a, b)| a * b).sum();
        match s % 11 {
            0 | 1 => 0,
            r => 11 - r,
        }
    };
    dv(12) == n[12] && dv(13) == n[13]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulators_invoice_and_other_wordings() {
        let text = "Fatura\nOperadora: VIVO\nCliente (CNPJ): 10.141.561/0001-64\n\
                    Código da conta: conta-7\nMês de referência: 11/2026\nData de emissão: 05/12/2026\n";
        let id = read_identity(text);
        assert_eq!(id.reference_month.as_deref(), Some("2026-11"));
        assert_eq!(id.cnpjs, ["10141561000164"]);
        assert_eq!(id.account.as_deref(), Some("conta-7"));
        for (t, m) in [
            ("REFERÊNCIA: NOV/2026", "2026-11"),
            ("Referência novembro de 2026", "2026-11"),
            ("Período de referência 2026-10", "2026-10"),
            ("Mês/Ano: 1/2027", "2027-01"),
            ("Referencia: 12.2026", "2026-12"),
        ] {
            assert_eq!(read_identity(t).reference_month.as_deref(), Some(m), "{t}");
        }
        for t in ["Referência: 13/2026", "Vencimento: 10/12/2026", ""] {
            assert_eq!(read_identity(t).reference_month, None, "{t}");
        }
    }

    #[test]
    fn only_valid_cnpjs_and_labelled_accounts() {
        let id = read_identity(
            "Telefônica Brasil S.A. CNPJ 02.558.157/0001-62\nCliente: 10141561000164\n\
             Protocolo 12345678901234\nNº da conta: 0012345-6.",
        );
        assert_eq!(id.cnpjs, ["02558157000162", "10141561000164"]);
        assert_eq!(id.account.as_deref(), Some("0012345-6"));
        assert_eq!(read_identity("Total da conta R$ 10,00").account, None);
        // An empty code is not the next line's label; a code with spaces is kept whole.
        assert_eq!(
            read_identity("Código da conta: \nMês de referência: 11/2026").account,
            None
        );
        assert_eq!(
            read_identity("Conta: CONTA 123  Vencimento")
                .account
                .as_deref(),
            Some("CONTA 123")
        );
    }
}
