//! The XML of a Windows toast (the `ToastGeneric` schema), built as text so it is tested
//! on any machine; `toast_windows` hands it to WinRT.
//!
//! Every activation is a `brm-desk://` link (`activationType="protocol"`): the toast's
//! body (`launch`), "Abrir" and "Aprovar". Windows then runs the registered protocol
//! handler, which is this app (the installers register `brm-desk`): a running instance
//! gets the link through single-instance, a closed app starts on it. That works from the
//! Action Center too, where the in-process `Activated` event of the plugin's toasts
//! never arrives. What a link may do is decided in `navigation::open_link`.

use crate::desktop::navigation::{approve_link, link_to};
use crate::desktop::notification_buttons::{buttons, Os, APPROVE};
use brm_core::notice::{Notice, NoticeTarget};

/// Text for an XML attribute or element: the five characters XML gives meaning to are
/// escaped, and characters XML 1.0 cannot carry at all (most C0 controls) are dropped,
/// so a client name or a robot's text can neither break the toast nor add to it.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The toast for `notice`. `approve_ticket` is the ticket of its "Aprovar" link (see
/// toast_tickets), given when the notice offers "Aprovar" on a process.
pub fn toast_xml(notice: &Notice, approve_ticket: Option<&str>) -> String {
    let launch = link_to(notice.target);
    let mut xml = format!(
        "<toast activationType=\"protocol\" launch=\"{}\"><visual><binding template=\"ToastGeneric\"><text>{}</text><text>{}</text></binding></visual>",
        escape(&launch),
        escape(&notice.title),
        escape(&notice.body),
    );
    let approve = match (notice.approve, notice.target, approve_ticket) {
        (true, NoticeTarget::Processo { id, version }, Some(ticket)) => {
            Some(approve_link(id, version, ticket))
        }
        _ => None,
    };
    xml.push_str("<actions>");
    for (id, title) in buttons(Os::Windows, approve.is_some()) {
        let link = if (id, title) == APPROVE {
            approve.clone().unwrap_or_else(|| launch.clone())
        } else {
            launch.clone()
        };
        xml.push_str(&format!(
            "<action content=\"{}\" activationType=\"protocol\" arguments=\"{}\"/>",
            escape(title),
            escape(&link)
        ));
    }
    xml.push_str("</actions></toast>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desktop::navigation::{parse_link, Link};
    use uuid::Uuid;

    type Element = (String, Vec<(String, String)>);

    /// (element name, [(attribute, value)]) and the texts, as an XML parser reads the
    /// document: what Windows' XmlDocument will read.
    fn read(xml: &str) -> (Vec<Element>, Vec<String>) {
        let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
        let elements = doc
            .descendants()
            .filter(|n| n.is_element())
            .map(|n| {
                let attrs = n
                    .attributes()
                    .map(|a| (a.name().to_string(), a.value().to_string()))
                    .collect();
                (n.tag_name().name().to_string(), attrs)
            })
            .collect();
        let texts = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect();
        (elements, texts)
    }

    fn attr<'a>(el: &'a Element, key: &str) -> &'a str {
        el.1.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{key} in {el:?}"))
    }

    fn waiting(approve: bool) -> (Notice, Uuid) {
        let id = Uuid::new_v4();
        (
            Notice {
                title: "Fatura aguardando aprovação".into(),
                body: "Padaria Estrela · VIVO · 11/2026".into(),
                approve,
                target: NoticeTarget::Processo { id, version: 7 },
            },
            id,
        )
    }

    #[test]
    fn every_activation_is_a_protocol_link_to_the_process() {
        let (notice, id) = waiting(true);
        let (elements, texts) = read(&toast_xml(&notice, Some("t1")));
        let toast = &elements[0];
        assert_eq!(toast.0, "toast");
        assert_eq!(attr(toast, "activationType"), "protocol");
        assert_eq!(
            parse_link(attr(toast, "launch")),
            Some(Link::Open(NoticeTarget::Processo { id, version: 0 }))
        );
        assert_eq!(
            texts,
            [
                "Fatura aguardando aprovação",
                "Padaria Estrela · VIVO · 11/2026"
            ]
        );
        let actions: Vec<_> = elements.iter().filter(|e| e.0 == "action").collect();
        assert_eq!(actions.len(), 2);
        assert_eq!(attr(actions[0], "content"), "Aprovar");
        assert_eq!(attr(actions[1], "content"), "Abrir");
        for a in &actions {
            assert_eq!(attr(a, "activationType"), "protocol");
        }
        assert_eq!(
            parse_link(attr(actions[0], "arguments")),
            Some(Link::Approve {
                id,
                version: 7,
                ticket: Some("t1".into())
            })
        );
        assert_eq!(attr(actions[1], "arguments"), attr(toast, "launch"));
    }

    #[test]
    fn without_aprovar_only_abrir_and_no_ticket_anywhere() {
        let (notice, _) = waiting(false);
        let xml = toast_xml(&notice, None);
        let (elements, _) = read(&xml);
        let actions: Vec<_> = elements.iter().filter(|e| e.0 == "action").collect();
        assert_eq!(actions.len(), 1);
        assert_eq!(attr(actions[0], "content"), "Abrir");
        assert!(!xml.contains("bilhete"), "{xml}");
        // A summary's toast opens its list.
        let summary = Notice {
            title: "12 faturas aguardando aprovação".into(),
            body: String::new(),
            approve: false,
            target: NoticeTarget::Aprovacao,
        };
        let (elements, _) = read(&toast_xml(&summary, None));
        assert_eq!(attr(&elements[0], "launch"), "brm-desk://aprovacao");
    }

    #[test]
    fn a_hostile_client_name_or_robot_text_stays_text() {
        let id = Uuid::new_v4();
        let hostile = "ACME\"/><action content=\"Aprovar\" activationType=\"protocol\" arguments=\"https://evil\"/><text>&amp; 'x' \u{1}\u{8}fim";
        let notice = Notice {
            title: hostile.into(),
            body: format!("{hostile}\n</text></binding>"),
            approve: false,
            target: NoticeTarget::Processo { id, version: 1 },
        };
        let (elements, texts) = read(&toast_xml(&notice, None));
        let actions: Vec<_> = elements.iter().filter(|e| e.0 == "action").collect();
        assert_eq!(actions.len(), 1, "no action smuggled in: {elements:?}");
        assert!(elements
            .iter()
            .all(|e| e.1.iter().all(|(_, v)| !v.contains("https://evil"))));
        let clean = hostile.replace(['\u{1}', '\u{8}'], "");
        assert_eq!(
            texts,
            [clean.clone(), format!("{clean}\n</text></binding>")]
        );
    }
}
