//! nullsight: find, explain and remove NT AUTHORITY\ANONYMOUS LOGON and legacy NTLM exposure.
//!
//! The data flows one way (see DESIGN.md):
//! `source` (files → raw records) → `event` (typed, normalised events) → `analyze` (findings)
//! → `report` (terminal, JSON, CSV, HTML). Configuration: `policy` (files → host settings) →
//! `baseline` (compliance). `knowledge` holds the shared tables.

/// `eprintln!` without its panic when stderr is closed (`nullsight scan … 2>&1 | head`): the
/// message is lost and the run goes on to write its outputs and exit as it would have.
macro_rules! to_stderr {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod analyze;
pub mod baseline;
pub mod cli;
pub mod event;
#[doc(hidden)]
pub mod harness;
pub mod isolate;
pub mod knowledge;
pub mod lab;
pub mod policy;
pub mod remediate;
pub mod report;
pub mod scan;
pub mod simulate;
pub mod source;
