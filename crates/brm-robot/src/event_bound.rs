//! A bound on one server-sent event: the event parser keeps every byte of an event until
//! its closing empty line, so a robot that streams without ever ending an event (or a
//! line) would grow it without end. Past [`MAX_EVENT_BYTES`] the stream is cut.

/// The most bytes one event (its lines up to the empty line that ends it) may take.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Counts the bytes of the event being read; line ends as SSE has them (CR, LF, CRLF).
#[derive(Default)]
pub(crate) struct EventBound {
    since_event: usize,
    line_len: usize,
    after_cr: bool,
}

impl EventBound {
    /// False once the event being read passed the bound.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> bool {
        for &b in chunk {
            match b {
                b'\r' => {
                    self.end_line();
                    self.after_cr = true;
                }
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.end_line(),
                _ => {
                    self.after_cr = false;
                    self.line_len += 1;
                }
            }
            self.since_event += 1;
            if self.since_event > MAX_EVENT_BYTES {
                return false;
            }
        }
        true
    }

    fn end_line(&mut self) {
        if self.line_len == 0 {
            // An empty line ends the event.
            self.since_event = 0;
        }
        self.line_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_any_line_ending_reset_the_count() {
        for end in ["\n", "\r\n", "\r"] {
            let mut b = EventBound::default();
            let event = format!("data: {}{end}{end}", "x".repeat(1000));
            for _ in 0..1000 {
                assert!(b.feed(event.as_bytes()), "{end:?}");
            }
        }
    }

    #[test]
    fn an_event_that_never_ends_is_cut() {
        // One endless line, then endless lines with no empty one between them.
        let mut b = EventBound::default();
        let chunk = vec![b'x'; 64 * 1024];
        assert!((0..10).any(|_| !b.feed(&chunk)));
        let mut b = EventBound::default();
        let line = format!("data: {}\r\n", "y".repeat(1000));
        assert!((0..1000).any(|_| !b.feed(line.as_bytes())));
    }
}
