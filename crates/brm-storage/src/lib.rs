//! Invoice storage: files addressed by key and checked by SHA-256.
