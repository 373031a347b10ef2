//! Typed, normalised events.
//!
//! A [`crate::source::RawRecord`] becomes an [`Event`] once, here. Nothing downstream reads raw
//! field maps: SIDs are `S-1-…` strings (names written by SID-resolving collectors are mapped
//! back), logon ids and status codes are numbers, `-` and `(NULL)` are absent, padding is
//! trimmed, `%%` insertion codes are decoded, IPv4-mapped IPv6 addresses are plain IPv4.

pub mod fields;
mod parse;

pub use crate::knowledge::events::Family;
pub use parse::{from_fields, from_raw, type_record};

use crate::source::fast::Hex;
use serde::{Serialize, Serializer};
use std::sync::Arc;

/// The text of an event's field. Most values (names, domains, addresses, `NtLmSsp`, `%%1833`)
/// are at most 24 bytes and are kept inline, without an allocation: typing a logon-heavy log
/// otherwise made some 25 allocations per event, freed on another thread.
pub type Text = compact_str::CompactString;

/// A logon session id (LUID), written as Windows writes it: `0x3e7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogonId(pub u64);

impl Serialize for LogonId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(Hex::of(self.0).as_str())
    }
}

/// A time as `jiff` displays it (`2016-07-08T18:12:51.6816408Z`: UTC, the fraction without
/// its trailing zeros), made without `fmt` for the years 1-9999; others through `jiff`.
pub(crate) fn rfc3339(t: jiff::Timestamp, out: &mut [u8; 32]) -> Option<&str> {
    std::str::from_utf8(rfc3339_ascii(t, out)?).ok()
}

/// [`rfc3339`]'s ASCII text, unchecked (`--events` writes one per event).
pub(crate) fn rfc3339_ascii(t: jiff::Timestamp, out: &mut [u8; 32]) -> Option<&[u8]> {
    let secs = t.as_second();
    let nanos = t.subsec_nanosecond();
    if nanos < 0 {
        return None;
    }
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(1..=9999).contains(&year) {
        return None;
    }
    let mut put = |at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, sod / 3600, 2);
    put(14, sod % 3600 / 60, 2);
    put(17, sod % 60, 2);
    let mut end = 19;
    if nanos > 0 {
        put(20, i64::from(nanos), 9);
        out[19] = b'.';
        end = 29;
        while out[end - 1] == b'0' {
            end -= 1;
        }
    }
    for (at, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        out[at] = c;
    }
    out[end] = b'Z';
    Some(&out[..end + 1])
}

impl std::fmt::Display for LogonId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// An NTSTATUS (or Win32) code, written `0xc000006d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(pub u32);

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(Hex::of(u64::from(self.0)).as_str())
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl Status {
    /// The symbolic name from the knowledge table, e.g. `STATUS_WRONG_PASSWORD`.
    pub fn name(self) -> Option<&'static str> {
        crate::knowledge::ntstatus::lookup(self.0).map(|c| c.name)
    }
}

fn ser_time<S: Serializer>(t: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => match rfc3339(*t, &mut [0; 32]) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(t),
        },
        None => s.serialize_none(),
    }
}

fn no_file(f: &Arc<str>) -> bool {
    f.is_empty()
}

/// One event of interest, typed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    /// The input path as given on the command line. Left out when empty: an event is typed,
    /// and its `--events` line made, before it is given its file (see
    /// [`crate::report::events::Lines`]).
    #[serde(skip_serializing_if = "no_file")]
    pub file: Arc<str>,
    pub record_id: u64,
    #[serde(serialize_with = "ser_time")]
    pub time: Option<jiff::Timestamp>,
    pub computer: Text,
    pub provider: Text,
    pub channel: Text,
    pub event_id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The account concerned is NT AUTHORITY\ANONYMOUS LOGON (S-1-5-7).
    pub anonymous: bool,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Event {
    pub fn family(&self) -> Family {
        self.kind.family()
    }

    /// Seconds since the Unix epoch (0 when the record had no time).
    pub fn epoch_seconds(&self) -> i64 {
        self.time.map(|t| t.as_second()).unwrap_or(0)
    }
}

/// The typed payload of each family. Field names are the `--events` keys.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Kind {
    Logon(Logon),
    LogonFailure(LogonFailure),
    ExplicitCredentials(ExplicitCredentials),
    SpecialPrivileges(SpecialPrivileges),
    CredentialValidation(CredentialValidation),
    NtlmOutgoing(NtlmAudit),
    NtlmIncoming(NtlmAudit),
    NtlmDomain(NtlmAudit),
    NtlmPassthrough(NtlmAudit),
    NtlmBlocked(NtlmAudit),
    ShareAccess(ShareAccess),
    ComputerAccountChange(ComputerAccountChange),
    Netlogon(Netlogon),
    SqlLoginFailure(SqlLoginFailure),
}

impl Kind {
    pub fn family(&self) -> Family {
        match self {
            Kind::Logon(_) => Family::Logon,
            Kind::LogonFailure(_) => Family::LogonFailure,
            Kind::ExplicitCredentials(_) => Family::ExplicitCredentials,
            Kind::SpecialPrivileges(_) => Family::SpecialPrivileges,
            Kind::CredentialValidation(_) => Family::CredentialValidation,
            Kind::NtlmOutgoing(_) => Family::NtlmOutgoing,
            Kind::NtlmIncoming(_) => Family::NtlmIncoming,
            Kind::NtlmDomain(_) => Family::NtlmDomain,
            Kind::NtlmPassthrough(_) => Family::NtlmPassthrough,
            Kind::NtlmBlocked(_) => Family::NtlmBlocked,
            Kind::ShareAccess(_) => Family::ShareAccess,
            Kind::ComputerAccountChange(_) => Family::ComputerAccountChange,
            Kind::Netlogon(_) => Family::Netlogon,
            Kind::SqlLoginFailure(_) => Family::SqlLoginFailure,
        }
    }
}

/// The Subject block of Security events: who caused the event on the logging host.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Subject {
    #[serde(rename = "subject_sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<Text>,
    #[serde(rename = "subject_user", skip_serializing_if = "Option::is_none")]
    pub user: Option<Text>,
    #[serde(rename = "subject_domain", skip_serializing_if = "Option::is_none")]
    pub domain: Option<Text>,
    #[serde(rename = "subject_logon_id", skip_serializing_if = "Option::is_none")]
    pub logon_id: Option<LogonId>,
}

/// The network origin of a logon or share access.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Network {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// 4624.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Logon {
    #[serde(flatten)]
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_sid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_logon_id: Option<LogonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_linked_logon_id: Option<LogonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_type: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_type_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_process: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_package: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lm_package: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_length: Option<u32>,
    #[serde(flatten)]
    pub network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_guid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmitted_services: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation_level: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted_admin_mode: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_credential_guard: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_account: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevated_token: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_outbound_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_outbound_domain: Option<Text>,
}

/// 4625.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LogonFailure {
    #[serde(flatten)]
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_sid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_status_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_type: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_type_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_process: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_package: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lm_package: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_length: Option<u32>,
    #[serde(flatten)]
    pub network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmitted_services: Option<Text>,
}

impl LogonFailure {
    /// The status that says why: SubStatus when it is set, else Status.
    pub fn reason_status(&self) -> Option<Status> {
        match self.sub_status {
            Some(s) if s.0 != 0 => Some(s),
            _ => self.status,
        }
    }
}

/// 4648.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ExplicitCredentials {
    #[serde(flatten)]
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_server: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_info: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<Text>,
    #[serde(flatten)]
    pub network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_guid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_logon_guid: Option<Text>,
}

/// 4672.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SpecialPrivileges {
    #[serde(flatten)]
    pub subject: Subject,
    pub privileges: Vec<Text>,
}

/// 4776.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CredentialValidation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_package: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<&'static str>,
}

/// Which NTLM stage a blocked (4001–4004) event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NtlmStage {
    Outgoing,
    Incoming,
    Domain,
    Passthrough,
}

/// NTLM/Operational 8001–8004 and 4001–4004. Which fields are present depends on the stage:
/// 8001 (client): target_name, target_user/domain, process, client LUID and identity;
/// 8002 (server): process, client LUID and identity; 8003 (domain server): target_user/domain,
/// workstation, process, logon type; 8004 (DC): schannel, target_user/domain, workstation.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NtlmAudit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<NtlmStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_luid: Option<LogonId>,
    /// The well-known session of `client_luid` (SYSTEM, LOCAL SERVICE...), if it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_luid_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_type: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_proc: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mechanism_oid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schannel_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schannel_type: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schannel_type_name: Option<&'static str>,
}

/// 5140 and 5145.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ShareAccess {
    #[serde(flatten)]
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<Text>,
    #[serde(flatten)]
    pub network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_local_path: Option<Text>,
    /// 5145: the file path, or the named pipe for IPC$.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_target: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_mask: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_list: Vec<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_reason: Option<Text>,
}

impl ShareAccess {
    /// The share name without the `\\*\` prefix, upper-case (`IPC$`).
    pub fn share_name(&self) -> Option<String> {
        self.share
            .as_deref()
            .map(|s| s.rsplit('\\').next().unwrap_or(s).to_ascii_uppercase())
    }

    /// The named pipe opened, for IPC$ accesses (lower-case, without a leading `\`).
    pub fn pipe(&self) -> Option<String> {
        if self.share_name().as_deref() != Some("IPC$") {
            return None;
        }
        self.relative_target
            .as_deref()
            .map(|p| p.trim_start_matches('\\').to_ascii_lowercase())
    }
}

/// 4742.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ComputerAccountChange {
    #[serde(flatten)]
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_sid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sam_account_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_last_set: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_uac: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_uac: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uac_changes: Vec<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_host_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_principal_names: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<Text>,
}

/// Netlogon 5805 and 5827–5831 (classic events, positional inserts).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Netlogon {
    /// 5805: the computer that failed; 5827/5829/5830: the machine account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_build: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_service_pack: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_target: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Text>,
    /// 5805: the error text (its `%%N` insert decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Text>,
    /// 5805: the NTSTATUS carried in the binary data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<&'static str>,
    /// 5827/5828: denied; 5829–5831: allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
}

/// MSSQL 18456.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SqlLoginFailure {
    /// The SQL Server instance (the event source: MSSQLSERVER or MSSQL$NAME).
    pub instance: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Text>,
    /// The server and database named in the event's binary data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_written_as_fmt_writes_it() {
        for v in [
            0,
            1,
            0xf,
            0x10,
            0x3e7,
            0xc000_006d,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            assert_eq!(Hex::of(v).as_str(), format!("{v:#x}"));
        }
        assert_eq!(
            serde_json::to_string(&(LogonId(0x3e7), Status(0xc000006d))).unwrap(),
            r#"["0x3e7","0xc000006d"]"#
        );
    }

    proptest::proptest! {
        #[test]
        fn times_are_written_as_jiff_displays_them(
            secs in -62_135_596_800i64..253_402_207_200i64,
            nanos in 0i32..1_000_000_000,
            round in 0u32..4,
        ) {
            // Whole seconds, 100 ns ticks (as Windows writes them), and any nanosecond.
            let nanos = match round { 0 => 0, 1 => nanos / 100 * 100, _ => nanos };
            let t = jiff::Timestamp::new(secs, nanos).unwrap();
            let mut mine = Vec::new();
            ser_time(&Some(t), &mut serde_json::Serializer::new(&mut mine)).unwrap();
            proptest::prop_assert_eq!(String::from_utf8(mine).unwrap(), format!("\"{t}\""));
        }
    }

    #[test]
    fn times_at_the_edges_are_written_as_jiff_displays_them() {
        for (secs, nanos) in [
            (0, 0),
            (-1, 0),
            (-1, -500_000_000),
            (951_782_400, 0),             // 2000-02-29
            (1_467_999_171, 681_640_800), // 2016-07-08T18:12:51.6816408Z
            (-62_135_596_800, 0),         // 0001-01-01
            (253_402_207_199, 999_999_999),
            (jiff::Timestamp::MIN.as_second(), 0),
            (jiff::Timestamp::MAX.as_second(), 0),
        ] {
            let t = jiff::Timestamp::new(secs, nanos).unwrap();
            let mut mine = Vec::new();
            ser_time(&Some(t), &mut serde_json::Serializer::new(&mut mine)).unwrap();
            assert_eq!(String::from_utf8(mine).unwrap(), format!("\"{t}\""));
        }
    }
}
