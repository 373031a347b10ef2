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
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}

/// A field left out when `None` (`skip_serializing_if = "Option::is_none"`), written by `how`.
macro_rules! opt {
    ($l:ident, $name:literal, $v:expr, $how:ident) => {
        if let Some(v) = $v {
            $l.key(k!($name));
            $l.$how(v);
        }
    };
}

/// Append `e`'s compact JSON to `out`, as `serde_json::to_writer(out, e)` writes it.
pub fn append(out: &mut Vec<u8>, e: &Event) {
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
    let mut l = Line { out };
    l.out.push(b'{');
    if !file.is_empty() {
        l.out.extend_from_slice(b"\"file\":");
        l.str(file);
        l.out.push(b',');
    }
    l.out.extend_from_slice(b"\"record_id\":");
    l.num(*record_id);
    l.key(k!("time"));
    match time {
        Some(t) => match crate::event::rfc3339(*t, &mut [0; 32]) {
            Some(text) => l.str(text),
            None => l.str(&t.to_string()),
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
    l.bool(*anonymous);
    l.kind(kind);
    l.out.push(b'}');
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

    fn str(&mut self, s: &str) {
        push_str(self.out, s);
    }

    fn text(&mut self, s: &Text) {
        push_str(self.out, s);
    }

    fn name(&mut self, s: &&'static str) {
        push_str(self.out, s);
    }

    fn num(&mut self, n: impl Num) {
        self.out
            .extend_from_slice(n.put(&mut itoa::Buffer::new()).as_bytes());
    }

    fn bool(&mut self, b: bool) {
        self.out
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    fn flag(&mut self, b: &bool) {
        self.bool(*b);
    }

    /// A hex string: `"0x3e7"` (nothing in it to escape).
    fn hex(&mut self, v: u64) {
        self.out.push(b'"');
        self.out.extend_from_slice(Hex::of(v).as_str().as_bytes());
        self.out.push(b'"');
    }

    fn luid(&mut self, id: &LogonId) {
        self.hex(id.0);
    }

    fn status(&mut self, s: &Status) {
        self.hex(u64::from(s.0));
    }

    fn list(&mut self, items: &[Text]) {
        self.out.push(b'[');
        for (i, t) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            push_str(self.out, t);
        }
        self.out.push(b']');
    }

    fn stage(&mut self, s: &NtlmStage) {
        self.str(match s {
            NtlmStage::Outgoing => "outgoing",
            NtlmStage::Incoming => "incoming",
            NtlmStage::Domain => "domain",
            NtlmStage::Passthrough => "passthrough",
        });
    }

    /// A list left out when empty (`skip_serializing_if = "Vec::is_empty"`).
    fn nonempty(&mut self, key: &'static str, items: &[Text]) {
        if !items.is_empty() {
            self.key(key);
            self.list(items);
        }
    }

    fn subject(&mut self, s: &Subject) {
        let Subject {
            sid,
            user,
            domain,
            logon_id,
        } = s;
        opt!(self, "subject_sid", sid, text);
        opt!(self, "subject_user", user, text);
        opt!(self, "subject_domain", domain, text);
        opt!(self, "subject_logon_id", logon_id, luid);
    }

    fn network(&mut self, n: &Network) {
        let Network {
            workstation,
            ip,
            port,
        } = n;
        opt!(self, "workstation", workstation, text);
        opt!(self, "ip", ip, text);
        opt!(self, "port", port, num);
    }

    /// `"family":"…"` (the enum's tag), then the variant's fields.
    fn kind(&mut self, kind: &Kind) {
        let family = |l: &mut Self, name: &'static str| {
            l.key(k!("family"));
            l.str(name);
        };
        match kind {
            Kind::Logon(x) => {
                family(self, "logon");
                self.logon(x);
            }
            Kind::LogonFailure(x) => {
                family(self, "logon_failure");
                self.logon_failure(x);
            }
            Kind::ExplicitCredentials(x) => {
                family(self, "explicit_credentials");
                self.explicit(x);
            }
            Kind::SpecialPrivileges(x) => {
                family(self, "special_privileges");
                let SpecialPrivileges {
                    subject,
                    privileges,
                } = x;
                self.subject(subject);
                self.key(k!("privileges"));
                self.list(privileges);
            }
            Kind::CredentialValidation(x) => {
                family(self, "credential_validation");
                let CredentialValidation {
                    auth_package,
                    target_user,
                    workstation,
                    status,
                    status_name,
                } = x;
                opt!(self, "auth_package", auth_package, text);
                opt!(self, "target_user", target_user, text);
                opt!(self, "workstation", workstation, text);
                opt!(self, "status", status, status);
                opt!(self, "status_name", status_name, name);
            }
            Kind::NtlmOutgoing(x) => {
                family(self, "ntlm_outgoing");
                self.ntlm(x);
            }
            Kind::NtlmIncoming(x) => {
                family(self, "ntlm_incoming");
                self.ntlm(x);
            }
            Kind::NtlmDomain(x) => {
                family(self, "ntlm_domain");
                self.ntlm(x);
            }
            Kind::NtlmPassthrough(x) => {
                family(self, "ntlm_passthrough");
                self.ntlm(x);
            }
            Kind::NtlmBlocked(x) => {
                family(self, "ntlm_blocked");
                self.ntlm(x);
            }
            Kind::ShareAccess(x) => {
                family(self, "share_access");
                self.share(x);
            }
            Kind::ComputerAccountChange(x) => {
                family(self, "computer_account_change");
                self.computer_change(x);
            }
            Kind::Netlogon(x) => {
                family(self, "netlogon");
                self.netlogon(x);
            }
            Kind::SqlLoginFailure(x) => {
                family(self, "sql_login_failure");
                let SqlLoginFailure {
                    instance,
                    target_user,
                    reason,
                    ip,
                    server,
                    database,
                } = x;
                self.key(k!("instance"));
                self.text(instance);
                opt!(self, "target_user", target_user, text);
                opt!(self, "reason", reason, text);
                opt!(self, "ip", ip, text);
                opt!(self, "server", server, text);
                opt!(self, "database", database, text);
            }
        }
    }

    fn logon(&mut self, x: &Logon) {
        let Logon {
            subject,
            target_sid,
            target_user,
            target_domain,
            target_logon_id,
            target_linked_logon_id,
            logon_type,
            logon_type_name,
            logon_process,
            auth_package,
            lm_package,
            key_length,
            network,
            process_id,
            process_name,
            logon_guid,
            transmitted_services,
            impersonation_level,
            restricted_admin_mode,
            remote_credential_guard,
            virtual_account,
            elevated_token,
            target_outbound_user,
            target_outbound_domain,
        } = x;
        self.subject(subject);
        opt!(self, "target_sid", target_sid, text);
        opt!(self, "target_user", target_user, text);
        opt!(self, "target_domain", target_domain, text);
        opt!(self, "target_logon_id", target_logon_id, luid);
        opt!(self, "target_linked_logon_id", target_linked_logon_id, luid);
        opt!(self, "logon_type", logon_type, num);
        opt!(self, "logon_type_name", logon_type_name, name);
        opt!(self, "logon_process", logon_process, text);
        opt!(self, "auth_package", auth_package, text);
        opt!(self, "lm_package", lm_package, text);
        opt!(self, "key_length", key_length, num);
        self.network(network);
        opt!(self, "process_id", process_id, num);
        opt!(self, "process_name", process_name, text);
        opt!(self, "logon_guid", logon_guid, text);
        opt!(self, "transmitted_services", transmitted_services, text);
        opt!(self, "impersonation_level", impersonation_level, text);
        opt!(self, "restricted_admin_mode", restricted_admin_mode, text);
        opt!(
            self,
            "remote_credential_guard",
            remote_credential_guard,
            text
        );
        opt!(self, "virtual_account", virtual_account, text);
        opt!(self, "elevated_token", elevated_token, text);
        opt!(self, "target_outbound_user", target_outbound_user, text);
        opt!(self, "target_outbound_domain", target_outbound_domain, text);
    }

    fn logon_failure(&mut self, x: &LogonFailure) {
        let LogonFailure {
            subject,
            target_sid,
            target_user,
            target_domain,
            status,
            status_name,
            sub_status,
            sub_status_name,
            failure_reason,
            logon_type,
            logon_type_name,
            logon_process,
            auth_package,
            lm_package,
            key_length,
            network,
            process_id,
            process_name,
            transmitted_services,
        } = x;
        self.subject(subject);
        opt!(self, "target_sid", target_sid, text);
        opt!(self, "target_user", target_user, text);
        opt!(self, "target_domain", target_domain, text);
        opt!(self, "status", status, status);
        opt!(self, "status_name", status_name, name);
        opt!(self, "sub_status", sub_status, status);
        opt!(self, "sub_status_name", sub_status_name, name);
        opt!(self, "failure_reason", failure_reason, text);
        opt!(self, "logon_type", logon_type, num);
        opt!(self, "logon_type_name", logon_type_name, name);
        opt!(self, "logon_process", logon_process, text);
        opt!(self, "auth_package", auth_package, text);
        opt!(self, "lm_package", lm_package, text);
        opt!(self, "key_length", key_length, num);
        self.network(network);
        opt!(self, "process_id", process_id, num);
        opt!(self, "process_name", process_name, text);
        opt!(self, "transmitted_services", transmitted_services, text);
    }

    fn explicit(&mut self, x: &ExplicitCredentials) {
        let ExplicitCredentials {
            subject,
            target_user,
            target_domain,
            target_server,
            target_info,
            process_id,
            process_name,
            network,
            logon_guid,
            target_logon_guid,
        } = x;
        self.subject(subject);
        opt!(self, "target_user", target_user, text);
        opt!(self, "target_domain", target_domain, text);
        opt!(self, "target_server", target_server, text);
        opt!(self, "target_info", target_info, text);
        opt!(self, "process_id", process_id, num);
        opt!(self, "process_name", process_name, text);
        self.network(network);
        opt!(self, "logon_guid", logon_guid, text);
        opt!(self, "target_logon_guid", target_logon_guid, text);
    }

    fn ntlm(&mut self, x: &NtlmAudit) {
        let NtlmAudit {
            stage,
            target_name,
            target_user,
            target_domain,
            workstation,
            process_id,
            process_name,
            client_luid,
            client_luid_name,
            client_user,
            client_domain,
            logon_type,
            in_proc,
            mechanism_oid,
            schannel_name,
            schannel_type,
            schannel_type_name,
        } = x;
        opt!(self, "stage", stage, stage);
        opt!(self, "target_name", target_name, text);
        opt!(self, "target_user", target_user, text);
        opt!(self, "target_domain", target_domain, text);
        opt!(self, "workstation", workstation, text);
        opt!(self, "process_id", process_id, num);
        opt!(self, "process_name", process_name, text);
        opt!(self, "client_luid", client_luid, luid);
        opt!(self, "client_luid_name", client_luid_name, name);
        opt!(self, "client_user", client_user, text);
        opt!(self, "client_domain", client_domain, text);
        opt!(self, "logon_type", logon_type, num);
        opt!(self, "in_proc", in_proc, flag);
        opt!(self, "mechanism_oid", mechanism_oid, text);
        opt!(self, "schannel_name", schannel_name, text);
        opt!(self, "schannel_type", schannel_type, num);
        opt!(self, "schannel_type_name", schannel_type_name, name);
    }

    fn share(&mut self, x: &ShareAccess) {
        let ShareAccess {
            subject,
            object_type,
            network,
            share,
            share_local_path,
            relative_target,
            access_mask,
            access_list,
            access_reason,
        } = x;
        self.subject(subject);
        opt!(self, "object_type", object_type, text);
        self.network(network);
        opt!(self, "share", share, text);
        opt!(self, "share_local_path", share_local_path, text);
        opt!(self, "relative_target", relative_target, text);
        opt!(self, "access_mask", access_mask, num);
        self.nonempty(k!("access_list"), access_list);
        opt!(self, "access_reason", access_reason, text);
    }

    fn computer_change(&mut self, x: &ComputerAccountChange) {
        let ComputerAccountChange {
            subject,
            target_sid,
            target_user,
            target_domain,
            sam_account_name,
            password_last_set,
            old_uac,
            new_uac,
            uac_changes,
            dns_host_name,
            service_principal_names,
            privileges,
        } = x;
        self.subject(subject);
        opt!(self, "target_sid", target_sid, text);
        opt!(self, "target_user", target_user, text);
        opt!(self, "target_domain", target_domain, text);
        opt!(self, "sam_account_name", sam_account_name, text);
        opt!(self, "password_last_set", password_last_set, text);
        opt!(self, "old_uac", old_uac, num);
        opt!(self, "new_uac", new_uac, num);
        self.nonempty(k!("uac_changes"), uac_changes);
        opt!(self, "dns_host_name", dns_host_name, text);
        opt!(
            self,
            "service_principal_names",
            service_principal_names,
            text
        );
        self.nonempty(k!("privileges"), privileges);
    }

    fn netlogon(&mut self, x: &Netlogon) {
        let Netlogon {
            account,
            domain,
            account_type,
            os,
            os_build,
            os_service_pack,
            trust_name,
            trust_target,
            ip,
            error,
            status,
            status_name,
            outcome,
        } = x;
        opt!(self, "account", account, text);
        opt!(self, "domain", domain, text);
        opt!(self, "account_type", account_type, text);
        opt!(self, "os", os, text);
        opt!(self, "os_build", os_build, text);
        opt!(self, "os_service_pack", os_service_pack, text);
        opt!(self, "trust_name", trust_name, text);
        opt!(self, "trust_target", trust_target, text);
        opt!(self, "ip", ip, text);
        opt!(self, "error", error, text);
        opt!(self, "status", status, status);
        opt!(self, "status_name", status_name, name);
        opt!(self, "outcome", outcome, name);
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
