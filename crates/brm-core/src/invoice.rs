//! Invoice files: where they live in storage and what passes as one. Shared by robot
//! downloads and manual uploads so both are stored and checked the same way.

use crate::process::Process;

/// The largest invoice accepted, from a robot or by hand.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// Our key for one invoice file of a process. The start of the file's SHA-256 is part
/// of it, so a new download after a rejection never overwrites the file an earlier
/// approval or audit event points to.
pub fn storage_key(p: &Process, sha256: &str) -> String {
    let short = &sha256[..sha256.len().min(16)];
    format!("faturas/{}/{}-{short}.pdf", p.reference_month, p.id)
}

/// A PDF starts with "%PDF-" (some writers put a few bytes of garbage first; the PDF
/// specification lets readers look within the first 1024 bytes).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// A file name safe to show and to offer as a download name: the last path segment,
/// without control characters, at most 120 characters.
pub fn display_file_name(raw: &str) -> String {
    let last = raw
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(raw)
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "fatura.pdf".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_detection() {
        assert!(looks_like_pdf(b"%PDF-1.7\n..."));
        assert!(looks_like_pdf(b"\xef\xbb\xbf%PDF-1.4"));
        assert!(!looks_like_pdf(b"PK\x03\x04 a zip"));
        assert!(!looks_like_pdf(b""));
    }

    #[test]
    fn file_names() {
        assert_eq!(display_file_name("faturas/oi/x_202611.pdf"), "x_202611.pdf");
        assert_eq!(display_file_name("http://h/a/b.pdf?sig=1"), "b.pdf");
        assert_eq!(display_file_name("C:\\x\\y.pdf"), "y.pdf");
        assert_eq!(display_file_name("dir/"), "fatura.pdf");
    }
}
