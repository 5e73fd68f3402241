//! The background service.
