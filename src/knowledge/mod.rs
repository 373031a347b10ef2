//! Shared knowledge tables: codes, names and one-line explanations used by every stage.

pub mod scenarios;
