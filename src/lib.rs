//! nullsight: find, explain and remove NT AUTHORITY\ANONYMOUS LOGON and legacy NTLM exposure.
//!
//! The data flows one way (see DESIGN.md):
//! `source` (files → raw records) → `event` (typed, normalised events) → `analyze` (findings)
//! → `report` (terminal, JSON, CSV, HTML). Configuration: `policy` (files → host settings) →
//! `baseline` (compliance). `knowledge` holds the shared tables.

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
