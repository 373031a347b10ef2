//! An event's `--events` line, written field by field: the compact JSON `serde_json::to_writer`
//! writes for an [`Event`] (its `Serialize` derive is the output contract), byte for byte.
//!
//! Why not serde: `--events` writes a line per event, hundreds of thousands a second, and the
//! derive's path through `#[serde(flatten)]` and the `family` tag took 6,300 instructions an
//! event on a 4624-heavy log, a quarter of the scan (BENCHMARKS.md). Here a key is one copy of
//! a literal. Each struct is taken apart without `..`, so that a field added to an event does
//! not build until it is written here too; the tests compare this writer with serde_json on
//! every event of the corpus and on events with every field set.

use super::fast_json::push_str;
use crate::event::*;
use crate::source::fast::Hex;

/// `,"name":`, the literal a field's value follows.
macro_rules! k {
    ($name:expr) => {
        concat!(",\"", $name, "\":")
    };
}

/// A field left out when `None` (`skip_serializing_if = "Option::is_none"`), written by `how`.
macro_rules! opt {
    ($l:ident, $name:expr, $v:expr, $how:ident) => {
        if let Some(v) = $v {
            $l.key(k!($name));
            $l.$how(v);
        }
    };
}

/// Append `e`'s compact JSON to `out`, as `serde_json::to_writer(out, e)` writes it.
pub fn append(out: &mut Vec<u8>, e: &Event) {
    out.push(b'{');
    append_inside(out, e);
    out.push(b'}');
}

/// What [`append`] writes between the braces.
pub fn append_inside(out: &mut Vec<u8>, e: &Event) {
    let Event {
        file,
        record_id,
        time,
        computer,
        provider,
        channel,
        event_id,
        version,
        anonymous,
        kind,
    } = e;
    append_file(out, file);
    let mut l = Line { out };
    l.out.extend_from_slice(b"\"record_id\":");
    l.num(*record_id);
    l.key(k!("time"));
    match time {
        Some(t) => match crate::event::rfc3339_ascii(*t, &mut [0; 32]) {
            // Digits, `-`, `:`, `.`, `T` and `Z`: nothing to escape.
            Some(text) => l.ascii(text),
            None => l.str(t.to_string()),
        },
        None => l.out.extend_from_slice(b"null"),
    }
    l.key(k!("computer"));
    l.str(computer);
    l.key(k!("provider"));
    l.str(provider);
    l.key(k!("channel"));
    l.str(channel);
    l.key(k!("event_id"));
    l.num(*event_id);
    opt!(l, "version", version, num);
    l.key(k!("anonymous"));
    l.bool(anonymous);
    l.kind(kind);
}

/// The `file` key and its value, then a comma: `"file":"…",` (nothing for an event without
/// a file). The `--events` final pass starts each line of a file with it.
pub fn append_file(out: &mut Vec<u8>, file: &str) {
    if !file.is_empty() {
        out.extend_from_slice(b"\"file\":");
        push_str(out, file);
        out.push(b',');
    }
}

/// A struct's fields in the order it declares them, each written by how it is marked: `flat`
/// (`#[serde(flatten)]`: the `Line` method of its name), `list` (always), `nonempty` (left out
/// when empty), `always` (a `Text` always there), or a `Line` method for a field left out when
/// `None`. The struct is taken apart without `..`: a field added to it must be named here.
macro_rules! fields {
    ($l:ident, $x:expr, $ty:ident { $($f:ident: $how:ident),* $(,)? }) => {
        let $ty { $($f),* } = $x;
        $(fields!(@ $l, $f, $how);)*
    };
    (@ $l:ident, $f:ident, flat) => {
        $l.$f($f)
    };
    (@ $l:ident, $f:ident, list) => {{
        $l.key(k!(stringify!($f)));
        $l.list($f);
    }};
    (@ $l:ident, $f:ident, nonempty) => {
        if !$f.is_empty() {
            $l.key(k!(stringify!($f)));
            $l.list($f);
        }
    };
    (@ $l:ident, $f:ident, always) => {{
        $l.key(k!(stringify!($f)));
        $l.str($f);
    }};
    (@ $l:ident, $f:ident, $how:ident) => {
        opt!($l, stringify!($f), $f, $how)
    };
}

struct Line<'a> {
    out: &'a mut Vec<u8>,
}

/// Numbers as serde_json writes them.
trait Num: Copy {
    fn put(self, b: &mut itoa::Buffer) -> &str;
}

macro_rules! num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            fn put(self, b: &mut itoa::Buffer) -> &str {
                b.format(self)
            }
        }
        impl Num for &$t {
            fn put(self, b: &mut itoa::Buffer) -> &str {
                b.format(*self)
            }
        }
    )*};
}
num!(u16, u32, u64);

impl Line<'_> {
    /// Always inlined: `key` is a literal, and its copy then one of known length.
    #[inline(always)]
    fn key(&mut self, key: &'static str) {
        self.out.extend_from_slice(key.as_bytes());
    }

    /// Any text: a `&str`, a field's `Text`, a knowledge table's `&'static str`.
    fn str(&mut self, s: impl AsRef<str>) {
        push_str(self.out, s.as_ref());
    }

    fn num(&mut self, n: impl Num) {
        self.out
            .extend_from_slice(n.put(&mut itoa::Buffer::new()).as_bytes());
    }

    fn bool(&mut self, b: &bool) {
        self.out
            .extend_from_slice(if *b { b"true" } else { b"false" });
    }

    /// A string with nothing in it to escape.
    fn ascii(&mut self, text: &[u8]) {
        self.out.reserve(text.len() + 2);
        self.out.push(b'"');
        self.out.extend_from_slice(text);
        self.out.push(b'"');
    }

    /// A hex string: `"0x3e7"`.
    fn hex(&mut self, v: u64) {
        self.ascii(Hex::of(v).as_bytes());
    }

    fn luid(&mut self, id: &LogonId) {
        self.hex(id.0);
    }

    fn status(&mut self, s: &Status) {
        self.hex(u64::from(s.0));
    }

    /// A list's JSON, copied when it is the list written last on this thread: a log's 4672s
    /// list the same dozen privileges record after record, and comparing them costs a fifth
    /// of writing them.
    fn list(&mut self, items: &[Text]) {
        thread_local! {
            static LAST: std::cell::RefCell<(Vec<Text>, Vec<u8>)> = const {
                std::cell::RefCell::new((Vec::new(), Vec::new()))
            };
        }
        LAST.with_borrow_mut(|(last, json)| {
            // An empty `json` is none made yet (a list's is at least `[]`).
            if json.is_empty() || last.as_slice() != items {
                json.clear();
                json.push(b'[');
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        json.push(b',');
                    }
                    push_str(json, t);
                }
                json.push(b']');
                last.clear();
                last.extend_from_slice(items);
            }
            self.out.extend_from_slice(json);
        });
    }

    fn stage(&mut self, s: &NtlmStage) {
        self.str(match s {
            NtlmStage::Outgoing => "outgoing",
            NtlmStage::Incoming => "incoming",
            NtlmStage::Domain => "domain",
            NtlmStage::Passthrough => "passthrough",
        });
    }

    /// Its keys are not its fields' names (`subject_sid`…), so not `fields!`.
    fn subject(&mut self, s: &Subject) {
        let Subject {
            sid,
            user,
            domain,
            logon_id,
        } = s;
        opt!(self, "subject_sid", sid, str);
        opt!(self, "subject_user", user, str);
        opt!(self, "subject_domain", domain, str);
        opt!(self, "subject_logon_id", logon_id, luid);
    }

    fn network(&mut self, n: &Network) {
        fields! { self, n, Network { workstation: str, ip: str, port: num } }
    }

    /// The family, then the variant's fields.
    fn kind(&mut self, kind: &Kind) {
        let l = self;
        match kind {
            Kind::Logon(x) => {
                l.family("logon");
                fields! { l, x, Logon {
                    subject: flat, target_sid: str, target_user: str, target_domain: str,
                    target_logon_id: luid, target_linked_logon_id: luid, logon_type: num,
                    logon_type_name: str, logon_process: str, auth_package: str,
                    lm_package: str, key_length: num, network: flat, process_id: num,
                    process_name: str, logon_guid: str, transmitted_services: str,
                    impersonation_level: str, restricted_admin_mode: str,
                    remote_credential_guard: str, virtual_account: str, elevated_token: str,
                    target_outbound_user: str, target_outbound_domain: str,
                } }
            }
            Kind::LogonFailure(x) => {
                l.family("logon_failure");
                fields! { l, x, LogonFailure {
                    subject: flat, target_sid: str, target_user: str, target_domain: str,
                    status: status, status_name: str, sub_status: status,
                    sub_status_name: str, failure_reason: str, logon_type: num,
                    logon_type_name: str, logon_process: str, auth_package: str,
                    lm_package: str, key_length: num, network: flat, process_id: num,
                    process_name: str, transmitted_services: str,
                } }
            }
            Kind::ExplicitCredentials(x) => {
                l.family("explicit_credentials");
                fields! { l, x, ExplicitCredentials {
                    subject: flat, target_user: str, target_domain: str, target_server: str,
                    target_info: str, process_id: num, process_name: str, network: flat,
                    logon_guid: str, target_logon_guid: str,
                } }
            }
            Kind::SpecialPrivileges(x) => {
                l.family("special_privileges");
                fields! { l, x, SpecialPrivileges { subject: flat, privileges: list } }
            }
            Kind::CredentialValidation(x) => {
                l.family("credential_validation");
                fields! { l, x, CredentialValidation {
                    auth_package: str, target_user: str, workstation: str, status: status,
                    status_name: str,
                } }
            }
            Kind::NtlmOutgoing(x) => l.ntlm("ntlm_outgoing", x),
            Kind::NtlmIncoming(x) => l.ntlm("ntlm_incoming", x),
            Kind::NtlmDomain(x) => l.ntlm("ntlm_domain", x),
            Kind::NtlmPassthrough(x) => l.ntlm("ntlm_passthrough", x),
            Kind::NtlmBlocked(x) => l.ntlm("ntlm_blocked", x),
            Kind::ShareAccess(x) => {
                l.family("share_access");
                fields! { l, x, ShareAccess {
                    subject: flat, object_type: str, network: flat, share: str,
                    share_local_path: str, relative_target: str, access_mask: num,
                    access_list: nonempty, access_reason: str,
                } }
            }
            Kind::ComputerAccountChange(x) => {
                l.family("computer_account_change");
                fields! { l, x, ComputerAccountChange {
                    subject: flat, target_sid: str, target_user: str, target_domain: str,
                    sam_account_name: str, password_last_set: str, old_uac: num,
                    new_uac: num, uac_changes: nonempty, dns_host_name: str,
                    service_principal_names: str, privileges: nonempty,
                } }
            }
            Kind::Netlogon(x) => {
                l.family("netlogon");
                fields! { l, x, Netlogon {
                    account: str, domain: str, account_type: str, os: str, os_build: str,
                    os_service_pack: str, trust_name: str, trust_target: str, ip: str,
                    error: str, status: status, status_name: str, outcome: str,
                } }
            }
            Kind::SqlLoginFailure(x) => {
                l.family("sql_login_failure");
                fields! { l, x, SqlLoginFailure {
                    instance: always, target_user: str, reason: str, ip: str, server: str,
                    database: str,
                } }
            }
        }
    }

    /// `"family":"…"`: the enum's tag, before the variant's fields.
    fn family(&mut self, name: &str) {
        self.key(k!("family"));
        self.str(name);
    }

    /// The five NTLM families share a struct.
    fn ntlm(&mut self, family: &str, x: &NtlmAudit) {
        self.family(family);
        fields! { self, x, NtlmAudit {
            stage: stage, target_name: str, target_user: str, target_domain: str,
            workstation: str, process_id: num, process_name: str, client_luid: luid,
            client_luid_name: str, client_user: str, client_domain: str, logon_type: num,
            in_proc: bool, mechanism_oid: str, schannel_name: str, schannel_type: num,
            schannel_type_name: str,
        } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn same(e: &Event) {
        let mut mine = Vec::new();
        append(&mut mine, e);
        let serde = serde_json::to_vec(e).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&mine),
            String::from_utf8_lossy(&serde)
        );
    }

    fn t(s: &str) -> Option<Text> {
        Some(Text::from(s))
    }

    fn subject() -> Subject {
        Subject {
            sid: t("S-1-5-7"),
            user: t("ANONYMOUS LOGON"),
            domain: t("NT AUTHORITY"),
            logon_id: Some(LogonId(0x3e6)),
        }
    }

    fn network() -> Network {
        Network {
            workstation: t("WS\"01\\"),
            ip: t("10.0.0.1"),
            port: Some(445),
        }
    }

    fn list() -> Vec<Text> {
        vec![Text::from("SeTcbPrivilege"), Text::from("a\u{1}\nb")]
    }

    fn ntlm(stage: Option<NtlmStage>) -> NtlmAudit {
        NtlmAudit {
            stage,
            target_name: t("cifs/srv"),
            target_user: t("u"),
            target_domain: t("d"),
            workstation: t("w"),
            process_id: Some(u64::MAX),
            process_name: t("C:\\p.exe"),
            client_luid: Some(LogonId(0x3e7)),
            client_luid_name: Some("SYSTEM"),
            client_user: t("cu"),
            client_domain: t("cd"),
            logon_type: Some(3),
            in_proc: Some(true),
            mechanism_oid: t("1.3.6.1.4.1.311.2.2.10"),
            schannel_name: t("s"),
            schannel_type: Some(2),
            schannel_type_name: Some("WorkstationSecureChannel"),
        }
    }

    /// Every family with every field set (the literals have no `..`: a new field must be set
    /// here too), then with none.
    fn kinds() -> Vec<Kind> {
        let status = Some(Status(0xc000_006d));
        vec![
            Kind::Logon(Logon {
                subject: subject(),
                target_sid: t("S-1-5-7"),
                target_user: t("ANONYMOUS LOGON"),
                target_domain: t("NT AUTHORITY"),
                target_logon_id: Some(LogonId(u64::MAX)),
                target_linked_logon_id: Some(LogonId(0)),
                logon_type: Some(3),
                logon_type_name: Some("Network"),
                logon_process: t("NtLmSsp"),
                auth_package: t("NTLM"),
                lm_package: t("NTLM V1"),
                key_length: Some(0),
                network: network(),
                process_id: Some(0),
                process_name: t("-"),
                logon_guid: t("{00000000-0000-0000-0000-000000000001}"),
                transmitted_services: t("-"),
                impersonation_level: t("%%1833"),
                restricted_admin_mode: t("No"),
                remote_credential_guard: t("No"),
                virtual_account: t("%%1843"),
                elevated_token: t("%%1842"),
                target_outbound_user: t("o"),
                target_outbound_domain: t("od"),
            }),
            Kind::LogonFailure(LogonFailure {
                subject: subject(),
                target_sid: t("S-1-0-0"),
                target_user: t("x"),
                target_domain: t("y"),
                status,
                status_name: Some("STATUS_LOGON_FAILURE"),
                sub_status: status,
                sub_status_name: Some("STATUS_WRONG_PASSWORD"),
                failure_reason: t("Unknown user name or bad password."),
                logon_type: Some(10),
                logon_type_name: Some("RemoteInteractive"),
                logon_process: t("User32"),
                auth_package: t("Negotiate"),
                lm_package: t("-"),
                key_length: Some(128),
                network: network(),
                process_id: Some(1),
                process_name: t("p"),
                transmitted_services: t("-"),
            }),
            Kind::ExplicitCredentials(ExplicitCredentials {
                subject: subject(),
                target_user: t("a"),
                target_domain: t("b"),
                target_server: t("c"),
                target_info: t("d"),
                process_id: Some(2),
                process_name: t("e"),
                network: network(),
                logon_guid: t("{g}"),
                target_logon_guid: t("{h}"),
            }),
            Kind::SpecialPrivileges(SpecialPrivileges {
                subject: subject(),
                privileges: list(),
            }),
            Kind::CredentialValidation(CredentialValidation {
                auth_package: t("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"),
                target_user: t("u"),
                workstation: t("w"),
                status,
                status_name: Some("n"),
            }),
            Kind::NtlmOutgoing(ntlm(None)),
            Kind::NtlmIncoming(ntlm(None)),
            Kind::NtlmDomain(ntlm(None)),
            Kind::NtlmPassthrough(ntlm(None)),
            Kind::NtlmBlocked(ntlm(Some(NtlmStage::Outgoing))),
            Kind::NtlmBlocked(ntlm(Some(NtlmStage::Incoming))),
            Kind::NtlmBlocked(ntlm(Some(NtlmStage::Domain))),
            Kind::NtlmBlocked(ntlm(Some(NtlmStage::Passthrough))),
            Kind::ShareAccess(ShareAccess {
                subject: subject(),
                object_type: t("File"),
                network: network(),
                share: t("\\\\*\\IPC$"),
                share_local_path: t(""),
                relative_target: t("srvsvc"),
                access_mask: Some(0x12019f),
                access_list: list(),
                access_reason: t("r"),
            }),
            Kind::ComputerAccountChange(ComputerAccountChange {
                subject: subject(),
                target_sid: t("S-1-5-21-1-2-3-1000"),
                target_user: t("DC01$"),
                target_domain: t("D"),
                sam_account_name: t("DC01$"),
                password_last_set: t("%%1794"),
                old_uac: Some(0x2080),
                new_uac: Some(0x2080),
                uac_changes: list(),
                dns_host_name: t("dc01.d"),
                service_principal_names: t("HOST/dc01"),
                privileges: list(),
            }),
            Kind::Netlogon(Netlogon {
                account: t("a"),
                domain: t("b"),
                account_type: t("c"),
                os: t("d"),
                os_build: t("e"),
                os_service_pack: t("f"),
                trust_name: t("g"),
                trust_target: t("h"),
                ip: t("::1"),
                error: t("i"),
                status,
                status_name: Some("j"),
                outcome: Some("denied"),
            }),
            Kind::SqlLoginFailure(SqlLoginFailure {
                instance: Text::from("MSSQL$X"),
                target_user: t("sa"),
                reason: t("r"),
                ip: t("1.2.3.4"),
                server: t("s"),
                database: t("db"),
            }),
            Kind::Logon(Logon::default()),
            Kind::LogonFailure(LogonFailure::default()),
            Kind::ExplicitCredentials(ExplicitCredentials::default()),
            Kind::SpecialPrivileges(SpecialPrivileges::default()),
            Kind::CredentialValidation(CredentialValidation::default()),
            Kind::NtlmBlocked(NtlmAudit::default()),
            Kind::ShareAccess(ShareAccess::default()),
            Kind::ComputerAccountChange(ComputerAccountChange::default()),
            Kind::Netlogon(Netlogon::default()),
            Kind::SqlLoginFailure(SqlLoginFailure::default()),
        ]
    }

    #[test]
    fn a_list_is_written_whatever_list_came_before_it_on_the_thread() {
        // On a thread of its own: the first list it writes is an empty one.
        std::thread::spawn(|| {
            for privileges in [
                vec![],
                list(),
                list(),
                vec![],
                vec![Text::from("SeTcbPrivilege")],
            ] {
                let kind = Kind::SpecialPrivileges(SpecialPrivileges {
                    subject: Subject::default(),
                    privileges,
                });
                let e = Event {
                    file: Arc::from(""),
                    record_id: 1,
                    time: None,
                    computer: Text::default(),
                    provider: Text::default(),
                    channel: Text::default(),
                    event_id: 4672,
                    version: None,
                    anonymous: false,
                    kind,
                };
                same(&e);
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn every_field_of_every_family_is_written_as_serde_json_writes_it() {
        let times = [
            None,
            Some(jiff::Timestamp::new(1_467_999_171, 681_640_800).unwrap()),
            // Outside the years 1-9999: written through jiff.
            Some(jiff::Timestamp::MIN),
        ];
        for kind in kinds() {
            for (i, time) in times.iter().enumerate() {
                let e = Event {
                    file: Arc::from(if i == 1 {
                        ""
                    } else {
                        "C:\\logs\\\"Security\".evtx"
                    }),
                    record_id: 42,
                    time: *time,
                    computer: Text::from("SRV\u{7f}01"),
                    provider: Text::from("Microsoft-Windows-Security-Auditing"),
                    channel: Text::from("Security"),
                    event_id: 4624,
                    version: (i != 2).then_some(2),
                    anonymous: i == 0,
                    kind: kind.clone(),
                };
                same(&e);
            }
        }
    }
}
