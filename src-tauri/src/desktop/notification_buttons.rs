//! Which buttons a notification carries on each system, in which order, and what the
//! "Enviar notificação de teste" answer says about them. Kept apart from the code that
//! shows notifications so the per-system rules are tested on any machine.

/// The systems whose notifications behave differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Linux and the BSDs: the Desktop Notifications Specification over D-Bus.
    Linux,
    /// Windows toasts (and the Action Center).
    Windows,
    /// macOS's notification centre.
    Mac,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::Mac
        } else {
            Os::Linux
        }
    }
}

pub const APPROVE: (&str, &str) = ("aprovar", "Aprovar");
pub const OPEN: (&str, &str) = ("abrir", "Abrir");

/// The buttons (id, title) of a notification, in the order the system shows them.
///
/// macOS puts two or more actions in an "Options" menu, and a click on the menu button
/// itself reports the *first* action (tauri-plugin-notification's documentation of
/// `show`): "Abrir" goes first there, so opening the menu never approves.
pub fn buttons(os: Os, approve: bool) -> Vec<(&'static str, &'static str)> {
    match (os, approve) {
        (_, false) => vec![OPEN],
        (Os::Mac, true) => vec![OPEN, APPROVE],
        (Os::Linux | Os::Windows, true) => vec![APPROVE, OPEN],
    }
}

/// The answer of "Enviar notificação de teste": what this computer's notifications
/// offer. `server` is the Linux server's name, `actions` whether it shows buttons.
pub fn test_message(os: Os, server: Option<&str>, actions: bool) -> String {
    let name = server.map(|s| format!(" ({s})")).unwrap_or_default();
    match os {
        Os::Linux if actions => format!(
            "Notificação enviada. O servidor de notificações deste computador{name} mostra os botões Aprovar e Abrir."
        ),
        Os::Linux => format!(
            "Notificação enviada. O servidor de notificações deste computador{name} não mostra botões: um clique na notificação abre a fatura."
        ),
        Os::Windows => "Notificação enviada. No Windows, Aprovar e Abrir aparecem na notificação; \
            na Central de ações, um clique (também em Aprovar) abre a fatura no aplicativo, \
            com Aprovar a uma tecla."
            .to_string(),
        Os::Mac => "Notificação enviada. No macOS, um clique abre a fatura; Aprovar fica no menu \
            Opções da notificação (o botão Opções sozinho só abre)."
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_macos_the_options_button_reports_abrir_never_aprovar() {
        // The plugin reports the first action when the "Options" menu button is clicked.
        assert_eq!(buttons(Os::Mac, true)[0], OPEN);
        assert_eq!(buttons(Os::Mac, true), vec![OPEN, APPROVE]);
        assert_eq!(buttons(Os::Mac, false), vec![OPEN]);
    }

    #[test]
    fn linux_and_windows_show_aprovar_first() {
        for os in [Os::Linux, Os::Windows] {
            assert_eq!(buttons(os, true), vec![APPROVE, OPEN], "{os:?}");
            assert_eq!(buttons(os, false), vec![OPEN], "{os:?}");
        }
    }

    #[test]
    fn no_system_offers_aprovar_when_the_notice_does_not() {
        for os in [Os::Linux, Os::Windows, Os::Mac] {
            assert!(!buttons(os, false).contains(&APPROVE), "{os:?}");
        }
    }

    #[test]
    fn the_test_message_says_what_each_system_offers() {
        let with = test_message(Os::Linux, Some("mock-notify"), true);
        assert!(with.contains("(mock-notify) mostra os botões"), "{with}");
        let without = test_message(Os::Linux, None, false);
        assert!(without.contains("não mostra botões"), "{without}");
        let windows = test_message(Os::Windows, None, true);
        assert!(windows.contains("Central de ações"), "{windows}");
        let mac = test_message(Os::Mac, None, true);
        assert!(mac.contains("menu Opções"), "{mac}");
        // The Windows and macOS answers no longer claim the same as a Linux server's.
        assert_ne!(windows, with);
        assert_ne!(mac, with);
    }
}
