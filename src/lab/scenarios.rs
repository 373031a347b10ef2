//! The labelled episodes: every scenario of the seed documents, seen from every host involved.
//! Times are seconds after 08:00 (the boot); each function says who does what.

use super::domain::*;
use super::records::{self as r, Account, Caller, Failure, Logon, NTLM_OID};
use super::{Lab, Log, Role};
use crate::knowledge::scenarios as sc;

const MIN: u64 = 60;
const HOUR: u64 = 3600;

impl Lab {
    pub(crate) fn v4624(&self, host: usize) -> u8 {
        self.hosts[host].logon_event_version.unwrap_or(2)
    }

    /// A 4624 on `server`, labelled.
    pub(crate) fn logon_on(&mut self, ep: Option<usize>, server: usize, t: u64, l: &Logon) {
        let (v, tid) = (self.v4624(server), self.tid());
        let rec = r::logon(&self.hosts[server], v, tid, l);
        self.emit(server, Log::Security, t, rec, ep.map(|e| (e, Role::Server)));
    }

    /// A null session on `server` from `ws`/`ip`: 4624 (and 8002 where the server audits
    /// incoming NTLM). Returns the anonymous account with its new logon id, and the port.
    pub(crate) fn anonymous_logon(
        &mut self,
        ep: usize,
        server: usize,
        ws: &str,
        ip: &str,
        t: u64,
        key_length: u32,
    ) -> (Account, u16) {
        let luid = self.luid(server);
        let port = self.rng.port();
        let mut l = Logon::anonymous(luid, ws, ip, port);
        l.key_length = key_length;
        self.logon_on(Some(ep), server, t, &l);
        if self.hosts[server].ntlm_operational {
            let c = Caller::smb_server(&self.hosts[server]);
            let tid = self.tid();
            let rec = r::ntlm_incoming(&self.hosts[server], tid, &c, NTLM_OID);
            self.emit(
                server,
                Log::Ntlm,
                t.saturating_sub(20_000),
                rec,
                Some((ep, Role::Server)),
            );
        }
        (l.target, port)
    }

    /// 8003 on a domain-joined server that audits NTLM.
    pub(crate) fn ntlm_domain_audit(
        &mut self,
        ep: Option<usize>,
        server: usize,
        user: &str,
        domain: &str,
        ws: &str,
        t: u64,
    ) {
        if !self.hosts[server].ntlm_operational {
            return;
        }
        let c = Caller::smb_server(&self.hosts[server]);
        let tid = self.tid();
        let rec = r::ntlm_domain(&self.hosts[server], tid, user, domain, ws, &c, NTLM_OID);
        self.emit(
            server,
            Log::Ntlm,
            t.saturating_sub(15_000),
            rec,
            ep.map(|e| (e, Role::Server)),
        );
    }

    /// 8002 on a server that audits NTLM (SMB server as the caller).
    pub(crate) fn ntlm_incoming_audit(&mut self, ep: Option<usize>, server: usize, t: u64) {
        if !self.hosts[server].ntlm_operational {
            return;
        }
        let c = Caller::smb_server(&self.hosts[server]);
        let tid = self.tid();
        let rec = r::ntlm_incoming(&self.hosts[server], tid, &c, NTLM_OID);
        self.emit(
            server,
            Log::Ntlm,
            t.saturating_sub(20_000),
            rec,
            ep.map(|e| (e, Role::Server)),
        );
    }

    /// 8001 on the client.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ntlm_client_audit(
        &mut self,
        ep: Option<usize>,
        client: usize,
        t: u64,
        target: &str,
        user: &str,
        domain: &str,
        caller: &Caller,
        oid: &str,
    ) {
        let tid = self.tid();
        let rec = r::ntlm_outgoing(&self.hosts[client], tid, target, user, domain, caller, oid);
        self.emit(
            client,
            Log::Ntlm,
            t.saturating_sub(40_000),
            rec,
            ep.map(|e| (e, Role::Client)),
        );
    }

    /// DC01 validating an NTLM logon: 4776, and 8004 when a server passed it through.
    pub(crate) fn dc_validates(
        &mut self,
        ep: Option<usize>,
        user: &str,
        ws: &str,
        via: Option<usize>,
        status: u32,
        t: u64,
    ) {
        let tid = self.tid();
        let rec = r::validation(&self.hosts[DC01], tid, user, ws, status);
        let tag = ep.map(|e| (e, Role::Dc));
        self.emit(DC01, Log::Security, t.saturating_sub(30_000), rec, tag);
        if let Some(server) = via {
            let tid = self.tid();
            let rec = r::ntlm_passthrough(
                &self.hosts[DC01],
                tid,
                self.hosts[server].name,
                user,
                DOMAIN,
                ws,
                2,
            );
            self.emit(DC01, Log::Ntlm, t.saturating_sub(35_000), rec, tag);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn share(
        &mut self,
        ep: Option<usize>,
        server: usize,
        t: u64,
        who: &Account,
        ip: &str,
        port: u16,
        share: &str,
    ) {
        let tid = self.tid();
        let rec = r::share_access(&self.hosts[server], tid, who, ip, port, share);
        self.emit(server, Log::Security, t, rec, ep.map(|e| (e, Role::Server)));
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn share_check(
        &mut self,
        ep: Option<usize>,
        server: usize,
        t: u64,
        who: &Account,
        ip: &str,
        port: u16,
        share: &str,
        target: &str,
    ) {
        let tid = self.tid();
        let rec = r::share_check(&self.hosts[server], tid, who, ip, port, share, target);
        self.emit(server, Log::Security, t, rec, ep.map(|e| (e, Role::Server)));
    }

    /// An unlabelled 4634 a little after a logon.
    pub(crate) fn logoff_later(
        &mut self,
        server: usize,
        t: u64,
        who: &Account,
        logon_type: u32,
        max_secs: u64,
    ) {
        let dt = self.rng.range(1, max_secs.max(1)) * 10_000_000;
        let tid = self.tid();
        let rec = r::logoff(&self.hosts[server], tid, who, logon_type);
        self.emit(server, Log::Security, t + dt, rec, None);
    }

    fn ip(&self, host: usize) -> &'static str {
        self.hosts[host].ip
    }
    fn name(&self, host: usize) -> &'static str {
        self.hosts[host].name
    }
}

/// Every scenario, in time order of first appearance.
pub(crate) fn all(lab: &mut Lab) {
    default_sessions(lab);
    localsystem_fallback(lab);
    no_network_credentials(lab);
    non_domain_joined(lab);
    explicit_null_session(lab);
    ntlmv1_client(lab);
    lm_client(lab);
    weak_session_keys(lab);
    user_enumeration(lab);
    enumeration(lab);
    zerologon(lab);
    password_spray(lab);
    local_loopback(lab);
    brute_force(lab);
    sql_server_anonymous(lab);
}

/// Boot: System 6009/6005, Security 4608, the SYSTEM session, then the ANONYMOUS LOGON session.
/// Returns the time of the anonymous 4624.
pub(crate) fn boot(lab: &mut Lab, host: usize, at: u64, label: bool) {
    let h = lab.hosts[host].clone();
    let t0 = lab.at(at);
    for (i, rec) in r::boot_records(&h).into_iter().enumerate() {
        lab.emit(host, Log::System, t0 + i as u64 * 1_000_000, rec, None);
    }
    let t = lab.at(at + 9);
    let tid = lab.tid();
    lab.emit(host, Log::Security, t, r::startup(&h, tid), None);
    // SYSTEM (logon type 0) and its privileges.
    let system = Account::local_system();
    let mut l = Logon::kerberos(system.clone(), Default::default(), "-", 0);
    l.logon_type = 0;
    l.logon_process = "-";
    l.auth_package = "-";
    l.port = "-".into();
    l.subject = Account::null();
    l.elevated = true;
    lab.logon_on(None, host, t + 2_000_000, &l);
    let tid = lab.tid();
    lab.emit(
        host,
        Log::Security,
        t + 2_100_000,
        r::special(&h, tid, &system, r::SYSTEM_PRIVILEGES),
        None,
    );
    if !label {
        return;
    }
    let seed_form = host == SRV_APP01;
    let ep = lab.episode(
        sc::DEFAULT_SESSION,
        if seed_form {
            format!("{} boots; right after 4608 the built-in ANONYMOUS LOGON session is logged as in the seed's listing 4-48: an ordinary logon id (not 0x3e6), no workstation, no address, NTLM V1, key length 0.", h.name)
        } else {
            format!("{} boots; right after 4608 the built-in ANONYMOUS LOGON session (logon id 0x3e6) is logged: no workstation, no address, NTLM V1, key length 0.", h.name)
        },
    );
    let luid = if seed_form { lab.luid(host) } else { 0x3e6 };
    let mut l = Logon::anonymous(luid, "-", "-", 0);
    l.port = "-".into();
    lab.logon_on(Some(ep), host, t + 3_000_000, &l);
}

fn default_sessions(lab: &mut Lab) {
    for host in 0..lab.hosts.len() {
        if lab.hosts[host].logs {
            let at = lab.rng.range(0, 40);
            boot(lab, host, at, true);
        }
    }
    // DC01 is patched (Zerologon) and restarted at 13:00.
    let t = lab.at(5 * HOUR - 30);
    let rec = r::shutdown_record(&lab.hosts[DC01]);
    lab.emit(DC01, Log::System, t, rec, None);
    boot(lab, DC01, 5 * HOUR + 60, true);
}

/// LocalSystem falls back to anonymous NTLM: SRV-LEGACY08 (Server 2008: the pre-Windows 7
/// default) backs up to SRV-FILE01 every 20 minutes; WKS004 (UseMachineId = 0) runs an
/// inventory agent against SRV-APP01 hourly.
fn localsystem_fallback(lab: &mut Lab) {
    let ep = lab.episode(sc::LOCALSYSTEM_FALLBACK,
        "SRV-LEGACY08 (Windows Server 2008: LocalSystem NTLM is anonymous before Windows 7) copies its backups to \\\\SRV-FILE01\\Backup every 20 minutes as LocalSystem. Server side only: 2008 has no NTLM/Operational log.");
    for k in 0..24 {
        let t = lab.at(7 * MIN + k * 20 * MIN);
        let (anon, port) = lab.anonymous_logon(ep, SRV_FILE01, "SRV-LEGACY08", "10.0.0.40", t, 0);
        lab.ntlm_domain_audit(Some(ep), SRV_FILE01, "(NULL)", "(NULL)", "SRV-LEGACY08", t);
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 500_000,
            &anon,
            "10.0.0.40",
            port,
            "Backup",
        );
        lab.logoff_later(SRV_FILE01, t, &anon, 3, 90);
    }
    let ep = lab.episode(sc::LOCALSYSTEM_FALLBACK,
        "WKS004 has \"Network security: Allow Local System to use computer identity for NTLM\" disabled (UseMachineId = 0, see WKS004/config/Lsa.reg): its inventory agent, running as LocalSystem, falls back to NTLM and reaches \\\\SRV-APP01\\Deploy anonymously every hour. Client 8001 with ClientLUID 0x3e7 and no user name; server 4624 (version 1), 8002, 8003, 5140.");
    let caller = Caller {
        pid: 2312,
        process: r"C:\Program Files\Contoso\Inventory\invagent.exe".into(),
        luid: 0x3e7,
        user: "WKS004$".into(),
        domain: DOMAIN.into(),
    };
    for k in 0..8 {
        let t = lab.at(20 * MIN + k * HOUR);
        lab.ntlm_client_audit(
            Some(ep),
            WKS004,
            t,
            "cifs/SRV-APP01.corp.example",
            "(NULL)",
            "NULL",
            &caller,
            NTLM_OID,
        );
        let (anon, port) = lab.anonymous_logon(ep, SRV_APP01, "WKS004", "10.0.1.104", t, 0);
        lab.ntlm_domain_audit(Some(ep), SRV_APP01, "(NULL)", "(NULL)", "WKS004", t);
        lab.share(
            Some(ep),
            SRV_APP01,
            t + 400_000,
            &anon,
            "10.0.1.104",
            port,
            "Deploy",
        );
        lab.logoff_later(SRV_APP01, t, &anon, 3, 30);
    }
}

/// A scheduled task on WKS001 running as LOCAL SERVICE writes to \\SRV-FILE01\Public every
/// 30 minutes: LOCAL SERVICE has no network credentials and presents anonymous ones.
fn no_network_credentials(lab: &mut Lab) {
    let ep = lab.episode(sc::NO_NETWORK_CREDENTIALS,
        "A scheduled task on WKS001 running as LOCAL SERVICE copies an inventory file to \\\\SRV-FILE01\\Public every 30 minutes. Client 8001 with ClientLUID 0x3e5 (LOCAL SERVICE); server 4624 from WKS001, 8002, 5140 Public and 5145 on the same file each time.");
    let caller = Caller {
        pid: 6140,
        process: r"C:\Windows\System32\Robocopy.exe".into(),
        luid: 0x3e5,
        user: "LOCAL SERVICE".into(),
        domain: "NT AUTHORITY".into(),
    };
    for k in 0..16 {
        let t = lab.at(10 * MIN + k * 30 * MIN);
        lab.ntlm_client_audit(
            Some(ep),
            WKS001,
            t,
            "cifs/SRV-FILE01.corp.example",
            "(NULL)",
            "NULL",
            &caller,
            NTLM_OID,
        );
        let (anon, port) = lab.anonymous_logon(ep, SRV_FILE01, "WKS001", "10.0.1.101", t, 0);
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 300_000,
            &anon,
            "10.0.1.101",
            port,
            "Public",
        );
        lab.share_check(
            Some(ep),
            SRV_FILE01,
            t + 400_000,
            &anon,
            "10.0.1.101",
            port,
            "Public",
            r"inventory\WKS001.csv",
        );
        lab.logoff_later(SRV_FILE01, t, &anon, 3, 20);
    }
}

/// KIOSK-07 (WORKGROUP) syncs content from \\SRV-FILE01\Kiosk as SYSTEM: no domain
/// computer account, so it is anonymous on the server.
fn non_domain_joined(lab: &mut Lab) {
    let ep = lab.episode(sc::NON_DOMAIN_JOINED,
        "KIOSK-07 is not domain joined (WORKGROUP). Its sync service, running as SYSTEM, reads \\\\SRV-FILE01\\Kiosk every hour: 8001 on KIOSK-07 with ClientLUID 0x3e7 as KIOSK-07$ of WORKGROUP; anonymous 4624 on SRV-FILE01 from 10.0.2.50 / KIOSK-07, 8002, 5140 and 5145.");
    let caller = Caller {
        pid: 3388,
        process: r"C:\Program Files\KioskSync\kiosksync.exe".into(),
        luid: 0x3e7,
        user: "KIOSK-07$".into(),
        domain: WORKGROUP.into(),
    };
    for k in 0..8 {
        let t = lab.at(5 * MIN + k * HOUR);
        lab.ntlm_client_audit(
            Some(ep),
            KIOSK07,
            t,
            "cifs/SRV-FILE01.corp.example",
            "(NULL)",
            "NULL",
            &caller,
            "(NULL)",
        );
        let (anon, port) = lab.anonymous_logon(ep, SRV_FILE01, "KIOSK-07", "10.0.2.50", t, 0);
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 300_000,
            &anon,
            "10.0.2.50",
            port,
            "Kiosk",
        );
        lab.share_check(
            Some(ep),
            SRV_FILE01,
            t + 500_000,
            &anon,
            "10.0.2.50",
            port,
            "Kiosk",
            r"content\playlist.xml",
        );
        lab.logoff_later(SRV_FILE01, t, &anon, 3, 60);
    }
}

/// bob runs `net use \\SRV-FILE01\IPC$ "" /user:""` from WKS002.
fn explicit_null_session(lab: &mut Lab) {
    let ep = lab.episode(sc::EXPLICIT_NULL_SESSION,
        "bob tests anonymous access from WKS002: net use \\\\SRV-FILE01\\IPC$ \"\" /user:\"\". Client 8001 (empty supplied user, bob's session); server 4624 as in the seed's listing 4-49 (key length 128), 8002 and one 5140 on IPC$, no pipe.");
    let t = lab.at(HOUR + 12 * MIN);
    let bob_luid = lab.luid(WKS002);
    let caller = Caller {
        pid: 4,
        process: String::new(),
        luid: bob_luid,
        user: "bob".into(),
        domain: DOMAIN.into(),
    };
    lab.ntlm_client_audit(
        Some(ep),
        WKS002,
        t,
        "cifs/SRV-FILE01",
        "(NULL)",
        "NULL",
        &caller,
        NTLM_OID,
    );
    let (anon, port) = lab.anonymous_logon(ep, SRV_FILE01, "WKS002", "10.0.1.102", t, 128);
    lab.share(
        Some(ep),
        SRV_FILE01,
        t + 200_000,
        &anon,
        "10.0.1.102",
        port,
        "IPC$",
    );
    lab.logoff_later(SRV_FILE01, t, &anon, 3, 40);
}

/// A domain account authenticating with NTLM through `server`: client 8001 (when `client`
/// logs), server 4624 + 8002 + 8003 (+ 4672 for admins), DC 4776 + 8004. Returns the account
/// and port of the server-side session.
#[allow(clippy::too_many_arguments)]
pub(crate) fn named_ntlm(
    lab: &mut Lab,
    ep: Option<usize>,
    t: u64,
    user: &User,
    client: usize,
    server: usize,
    lm: &'static str,
    key: u32,
    client_process: Option<(u32, &str, &str)>,
) -> (Account, u16) {
    let (ws, ip) = (lab.name(client), lab.ip(client));
    if lab.hosts[client].logs && lab.hosts[client].ntlm_operational {
        let luid = lab.luid(client);
        let (pid, process, oid) = client_process.unwrap_or((4, "", NTLM_OID));
        let caller = Caller {
            pid,
            process: process.into(),
            luid,
            user: user.name.into(),
            domain: DOMAIN.into(),
        };
        let target = format!("cifs/{}", lab.ip(server));
        lab.ntlm_client_audit(ep, client, t, &target, user.name, DOMAIN, &caller, oid);
    }
    let luid = lab.luid(server);
    let port = lab.rng.port();
    let mut l = Logon::ntlm(Account::domain_user(user, luid), lm, key, ws, ip, port);
    l.elevated = user.admin;
    lab.logon_on(ep, server, t, &l);
    if user.admin {
        let tid = lab.tid();
        let rec = r::special(&lab.hosts[server], tid, &l.target, r::ADMIN_PRIVILEGES);
        lab.emit(
            server,
            Log::Security,
            t + 1,
            rec,
            ep.map(|e| (e, Role::Server)),
        );
    }
    lab.ntlm_incoming_audit(ep, server, t);
    lab.ntlm_domain_audit(ep, server, user.name, DOMAIN, ws, t);
    lab.dc_validates(ep, user.name, ws, (server != DC01).then_some(server), 0, t);
    (l.target, port)
}

/// carol's WKS003 sends NTLMv1 (LmCompatibilityLevel 1) when she opens \\10.0.0.20\Finance.
fn ntlmv1_client(lab: &mut Lab) {
    let ep = lab.episode(sc::NTLMV1_CLIENT,
        "carol's WKS003 has LmCompatibilityLevel = 1 and opens \\\\10.0.0.20\\Finance by address (so NTLM, not Kerberos) five times: client 8001; SRV-FILE01 4624 for CORP\\carol with LmPackageName NTLM V1, 8002, 8003, 5140; DC01 4776 and 8004 (secure channel SRV-FILE01, type 2, workstation WKS003).");
    let carol = owner(WKS003);
    for at in [
        40 * MIN,
        2 * HOUR + 10 * MIN,
        3 * HOUR + 50 * MIN,
        5 * HOUR + 20 * MIN,
        7 * HOUR + 5 * MIN,
    ] {
        let t = lab.at(at);
        let (acct, port) = named_ntlm(
            lab,
            Some(ep),
            t,
            &carol,
            WKS003,
            SRV_FILE01,
            "NTLM V1",
            128,
            None,
        );
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 300_000,
            &acct,
            "10.0.1.103",
            port,
            "Finance",
        );
        lab.logoff_later(SRV_FILE01, t, &acct, 3, 600);
    }
}

/// The second-floor printer scans to \\SRV-FILE01\Scans as CORP\svc_scan with LM.
fn lm_client(lab: &mut Lab) {
    let ep = lab.episode(sc::LM_CLIENT,
        "The MFP-2F printer (10.0.3.20, no logs) scans to \\\\SRV-FILE01\\Scans as CORP\\svc_scan with the LAN Manager protocol: SRV-FILE01 4624 with LmPackageName LM, 8002, 8003, 5140 and 5145; DC01 4776 and 8004 (workstation MFP-2F).");
    for k in 0..6 {
        let t = lab.at(HOUR + 25 * MIN + k * 71 * MIN);
        let (acct, port) = named_ntlm(lab, Some(ep), t, &SVC_SCAN, MFP, SRV_FILE01, "LM", 0, None);
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 300_000,
            &acct,
            "10.0.3.20",
            port,
            "Scans",
        );
        let file = format!("scan_{:04}.pdf", 100 + k);
        lab.share_check(
            Some(ep),
            SRV_FILE01,
            t + 600_000,
            &acct,
            "10.0.3.20",
            port,
            "Scans",
            &file,
        );
        lab.logoff_later(SRV_FILE01, t, &acct, 3, 30);
    }
}

/// NTLM session security below 128 bits: 56-bit keys from SRV-LEGACY08's backup job as
/// svc_backup, 40-bit keys from an old admin tool on WKS002 to SRV-LEGACY08.
fn weak_session_keys(lab: &mut Lab) {
    let ep = lab.episode(sc::WEAK_SESSION_KEY,
        "SRV-LEGACY08's backup job logs on to SRV-FILE01 as CORP\\svc_backup with NTLMv2 and a 56-bit session key, hourly: SRV-FILE01 4624 (KeyLength 56), 4672, 8002, 8003, 5140; DC01 4776 and 8004. No client log (Server 2008).");
    for k in 0..8 {
        let t = lab.at(35 * MIN + k * HOUR);
        let (acct, port) = named_ntlm(
            lab,
            Some(ep),
            t,
            &SVC_BACKUP,
            SRV_LEGACY08,
            SRV_FILE01,
            "NTLM V2",
            56,
            None,
        );
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 300_000,
            &acct,
            "10.0.0.40",
            port,
            "Backup",
        );
        lab.logoff_later(SRV_FILE01, t, &acct, 3, 300);
    }
    let ep = lab.episode(sc::WEAK_SESSION_KEY,
        "bob's old admin tool on WKS002 calls NTLM directly and negotiates a 40-bit session key with SRV-LEGACY08: client 8001 (no mechanism OID); SRV-LEGACY08 4624 version 0 with KeyLength 40 and 4672; DC01 4776 and 8004 (secure channel SRV-LEGACY08).");
    let bob = owner(WKS002);
    for at in [2 * HOUR + 3 * MIN, 4 * HOUR + 41 * MIN, 6 * HOUR + 18 * MIN] {
        let t = lab.at(at);
        let (acct, _) = named_ntlm(
            lab,
            Some(ep),
            t,
            &bob,
            WKS002,
            SRV_LEGACY08,
            "NTLM V2",
            40,
            Some((7420, r"C:\Tools\LegacyAdmin\ladmin.exe", "(NULL)")),
        );
        lab.logoff_later(SRV_LEGACY08, t, &acct, 3, 120);
    }
}

/// KALI tries 40 account names that do not exist against DC01.
fn user_enumeration(lab: &mut Lab) {
    let ep = lab.episode(sc::USER_ENUMERATION,
        "KALI (10.0.0.66) tries 40 account names that do not exist against DC01 within two minutes: 4625 with SubStatus 0xC0000064 (and 4776 with the same status) for each.");
    const NAMES: &[&str] = &[
        "admin",
        "test",
        "guest1",
        "backup",
        "oracle",
        "postgres",
        "ftp",
        "www",
        "scanner",
        "helpdesk",
        "support",
        "sql",
        "mysql",
        "user",
        "user1",
        "demo",
        "training",
        "temp",
        "info",
        "sales",
        "marketing",
        "hr",
        "finance",
        "it",
        "webmaster",
        "root",
        "operator",
        "service",
        "svc",
        "jenkins",
        "git",
        "vagrant",
        "ubuntu",
        "deploy",
        "ansible",
        "monitor",
        "nagios",
        "zabbix",
        "veeam",
        "exchange",
    ];
    let mut at = HOUR + 50 * MIN;
    for name in NAMES {
        at += lab.rng.range(1, 4);
        let t = lab.at(at);
        let f = Failure {
            target_sid: r::NULL_SID,
            user: (*name).into(),
            domain: DOMAIN.into(),
            status: 0xC000_006D,
            sub_status: 0xC000_0064,
            workstation: "KALI".into(),
            ip: "10.0.0.66".into(),
            port: lab.rng.port(),
        };
        let tid = lab.tid();
        let rec = r::logon_failure(&lab.hosts[DC01], tid, &f);
        lab.emit(DC01, Log::Security, t, rec, Some((ep, Role::Server)));
        lab.dc_validates(Some(ep), name, "KALI", None, 0xC000_0064, t);
    }
}

/// Null-session enumeration from KALI: enum4linux against DC01, impacket lookupsid against
/// SRV-FILE01.
fn enumeration(lab: &mut Lab) {
    let ep = lab.episode(sc::ENUMERATION,
        "enum4linux from KALI (10.0.0.66) against DC01: six null sessions within a minute, each 4624 (workstation KALI) + 8002 + 5140 IPC$ + 5145 on srvsvc, lsarpc (RID cycling, many opens), samr, netlogon, wkssvc; the 5140/5145 SubjectLogonId is the 4624's TargetLogonId.");
    let sessions: &[&[&str]] = &[
        &["srvsvc"],
        &["lsarpc", "lsarpc", "lsarpc", "lsarpc", "lsarpc", "lsarpc"],
        &["samr", "samr"],
        &["lsarpc", "samr"],
        &["netlogon"],
        &["wkssvc", "srvsvc"],
    ];
    let mut at = 2 * HOUR + 5 * MIN;
    for pipes in sessions {
        at += lab.rng.range(3, 9);
        let t = lab.at(at);
        let (anon, port) = lab.anonymous_logon(ep, DC01, "KALI", "10.0.0.66", t, 0);
        lab.share(
            Some(ep),
            DC01,
            t + 100_000,
            &anon,
            "10.0.0.66",
            port,
            "IPC$",
        );
        for (i, pipe) in pipes.iter().enumerate() {
            lab.share_check(
                Some(ep),
                DC01,
                t + 200_000 + i as u64 * 150_000,
                &anon,
                "10.0.0.66",
                port,
                "IPC$",
                pipe,
            );
        }
        lab.logoff_later(DC01, t, &anon, 3, 3);
    }
    let ep = lab.episode(sc::ENUMERATION,
        "impacket lookupsid / samrdump from KALI against SRV-FILE01 with empty credentials: three null sessions in 20 seconds with no workstation name, 4624 + 8002 + 5140 IPC$ + 5145 on lsarpc, samr and srvsvc.");
    let mut at = 2 * HOUR + 20 * MIN;
    for pipes in [&["lsarpc", "lsarpc", "lsarpc"][..], &["samr"], &["srvsvc"]] {
        at += lab.rng.range(4, 8);
        let t = lab.at(at);
        let (anon, port) = lab.anonymous_logon(ep, SRV_FILE01, "-", "10.0.0.66", t, 0);
        lab.share(
            Some(ep),
            SRV_FILE01,
            t + 100_000,
            &anon,
            "10.0.0.66",
            port,
            "IPC$",
        );
        for (i, pipe) in pipes.iter().enumerate() {
            lab.share_check(
                Some(ep),
                SRV_FILE01,
                t + 200_000 + i as u64 * 100_000,
                &anon,
                "10.0.0.66",
                port,
                "IPC$",
                pipe,
            );
        }
        lab.logoff_later(SRV_FILE01, t, &anon, 3, 3);
    }
}

/// Zerologon against DC01 at 10:47, then (after the 13:00 patch) Netlogon's deployment-phase
/// warnings for NAS01.
fn zerologon(lab: &mut Lab) {
    let ep = lab.episode(sc::ZEROLOGON,
        "Zerologon (CVE-2020-1472) from KALI against DC01 at 10:47: a burst of NETLOGON 5805 (DC01, %%5, 0xC0000022), an anonymous 4624 from 10.0.0.66, 4742 by ANONYMOUS LOGON resetting DC01$'s password (PasswordLastSet set), then DC01$ logging on over NTLM from the attacker's address (4624 + 4776) to dump secrets.");
    let start = 2 * HOUR + 47 * MIN;
    let base = lab.at(start);
    for i in 0..14u64 {
        let t = base + i * 1_700_000 + lab.rng.below(1_000_000);
        let rec = r::netlogon_5805(&lab.hosts[DC01], "DC01", 0xC000_0022);
        lab.emit(DC01, Log::System, t, rec, Some((ep, Role::Dc)));
    }
    let t = lab.at(start + 26);
    let (_, _) = lab.anonymous_logon(ep, DC01, "-", "10.0.0.66", t, 0);
    let t2 = lab.at(start + 27);
    let when = {
        let (secs, _) = evtx_writer::FileTime(t2).to_unix();
        let ts = jiff::Timestamp::from_second(secs).expect("time");
        let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        let (h12, ampm) = match dt.hour() {
            0 => (12, "AM"),
            h @ 1..=11 => (h, "AM"),
            12 => (12, "PM"),
            h => (h - 12, "PM"),
        };
        format!(
            "{}/{}/{} {}:{:02}:{:02} {}",
            dt.month(),
            dt.day(),
            dt.year(),
            h12,
            dt.minute(),
            dt.second(),
            ampm
        )
    };
    let tid = lab.tid();
    let dc = lab.hosts[DC01].clone();
    let rec = r::computer_changed(&dc, tid, &Account::anonymous(0x3e6), &dc, &when);
    lab.emit(DC01, Log::Security, t2, rec, Some((ep, Role::Dc)));
    // secretsdump with the emptied machine password.
    let t3 = lab.at(start + 61);
    let luid = lab.luid(DC01);
    let port = lab.rng.port();
    let dc_account = Account {
        sid: dc.sid(),
        user: dc.account(),
        domain: DOMAIN.into(),
        logon_id: luid,
    };
    let l = Logon::ntlm(dc_account, "NTLM V2", 128, "-", "10.0.0.66", port);
    lab.logon_on(Some(ep), DC01, t3, &l);
    lab.dc_validates(Some(ep), "DC01$", "-", None, 0, t3);

    let ep = lab.episode(sc::ZEROLOGON,
        "After the 13:00 patch DC01 is in the deployment phase (FullSecureChannelProtection not set): NAS01$, a Samba domain member, keeps using a vulnerable Netlogon secure channel and is allowed with a 5829 warning. From 15:42 DC01 enforces: NAS01$ is denied (5827) until it is allow-listed at 15:50 (5830); the LEGACY forest's trust likewise (5828, then 5831).");
    for k in 0..6 {
        let t = lab.at(5 * HOUR + 25 * MIN + k * 27 * MIN);
        let rec = r::netlogon_5829(
            &lab.hosts[DC01],
            "NAS01$",
            DOMAIN,
            "Workstation",
            "Samba",
            "4.9.5-Debian",
            "",
        );
        lab.emit(DC01, Log::System, t, rec, Some((ep, Role::Dc)));
    }
    // Enforcement (FullSecureChannelProtection = 1) from 15:42: NAS01$ is denied until it is
    // put on the allow-list (VulnerableChannelAllowList) at 15:50; the same for the trust of
    // a legacy forest, whose DC connects from 10.0.9.5.
    let dc = lab.hosts[DC01].clone();
    for (k, (id, minute)) in [(5827u16, 42u64), (5827, 46), (5830, 51), (5830, 56)]
        .into_iter()
        .enumerate()
    {
        let t = lab.at(7 * HOUR + minute * MIN + k as u64);
        let rec = r::netlogon_machine(&dc, id, "NAS01$", DOMAIN, "Samba", "4.9.5-Debian");
        lab.emit(DC01, Log::System, t, rec, Some((ep, Role::Dc)));
    }
    for (id, minute) in [(5828u16, 43u64), (5831, 52)] {
        let t = lab.at(7 * HOUR + minute * MIN);
        let rec = r::netlogon_trust(&dc, id, "LEGACY", "legacy.example", "10.0.9.5");
        lab.emit(DC01, Log::System, t, rec, Some((ep, Role::Dc)));
    }
}

/// Password spray: from KALI against SRV-FILE01 (4625 on the server), and from a compromised
/// WKS005 (4648 with many target users, the corpus form).
fn password_spray(lab: &mut Lab) {
    let ep = lab.episode(sc::PASSWORD_SPRAY,
        "KALI (10.0.0.66) sprays one password over 30 domain accounts through SRV-FILE01 in about three minutes: SRV-FILE01 4625 (0xC000006D / 0xC000006A, workstation KALI) and DC01 4776 (0xC000006A) for each.");
    let mut at = 3 * HOUR + 2 * MIN;
    for u in USERS.iter() {
        at += lab.rng.range(3, 8);
        let t = lab.at(at);
        let f = Failure {
            target_sid: r::NULL_SID,
            user: u.name.into(),
            domain: DOMAIN.into(),
            status: 0xC000_006D,
            sub_status: 0xC000_006A,
            workstation: "KALI".into(),
            ip: "10.0.0.66".into(),
            port: lab.rng.port(),
        };
        let tid = lab.tid();
        let rec = r::logon_failure(&lab.hosts[SRV_FILE01], tid, &f);
        lab.emit(SRV_FILE01, Log::Security, t, rec, Some((ep, Role::Server)));
        lab.dc_validates(Some(ep), u.name, "KALI", None, 0xC000_006A, t);
    }
    let ep = lab.episode(sc::PASSWORD_SPRAY,
        "A spray tool running in erin's session on WKS005 tries 25 accounts against SRV-APP01 over SMB: on WKS005 one 4648 per account (explicit credentials, process System, target SRV-APP01:445), on SRV-APP01 4625 from WKS005, on DC01 4776 (0xC000006A).");
    let erin = owner(WKS005);
    let erin_acct = Account::domain_user(&erin, lab.luid(WKS005));
    let mut at = 6 * HOUR + 10 * MIN;
    for u in USERS.iter().skip(5) {
        at += lab.rng.range(2, 6);
        let t = lab.at(at);
        let tid = lab.tid();
        let rec = r::explicit(
            &lab.hosts[WKS005],
            tid,
            &erin_acct,
            u.name,
            DOMAIN,
            "SRV-APP01",
            4,
            "",
            "10.0.0.21",
            "445",
        );
        lab.emit(WKS005, Log::Security, t, rec, Some((ep, Role::Client)));
        let f = Failure {
            target_sid: r::NULL_SID,
            user: u.name.into(),
            domain: DOMAIN.into(),
            status: 0xC000_006D,
            sub_status: 0xC000_006A,
            workstation: "WKS005".into(),
            ip: "10.0.1.105".into(),
            port: lab.rng.port(),
        };
        let tid = lab.tid();
        let rec = r::logon_failure(&lab.hosts[SRV_APP01], tid, &f);
        lab.emit(
            SRV_APP01,
            Log::Security,
            t + 150_000,
            rec,
            Some((ep, Role::Server)),
        );
        lab.dc_validates(Some(ep), u.name, "WKS005", None, 0xC000_006A, t + 300_000);
    }
}

/// A local NTLM reflection (JuicyPotato-style) on SRV-APP01: anonymous from 127.0.0.1.
fn local_loopback(lab: &mut Lab) {
    let ep = lab.episode(sc::LOCAL_LOOPBACK,
        "A potato-style privilege escalation in IIS on SRV-APP01 makes a local anonymous NTLM logon: 4624 (version 1) from 127.0.0.1 with no workstation, NTLM V1, key length 128 (as in the corpus's JuicyPotato sample), and 8002 naming the exploit process.");
    let t = lab.at(3 * HOUR + 30 * MIN);
    let luid = lab.luid(SRV_APP01);
    let port = lab.rng.port();
    let l = Logon::anonymous(luid, "-", "127.0.0.1", port);
    let l = Logon {
        key_length: 128,
        ..l
    };
    lab.logon_on(Some(ep), SRV_APP01, t, &l);
    let c = Caller {
        pid: 5912,
        process: r"C:\Windows\Temp\jp.exe".into(),
        luid: lab.luid(SRV_APP01),
        user: "svc_web".into(),
        domain: DOMAIN.into(),
    };
    let tid = lab.tid();
    let rec = r::ntlm_incoming(&lab.hosts[SRV_APP01], tid, &c, NTLM_OID);
    lab.emit(
        SRV_APP01,
        Log::Ntlm,
        t - 10_000,
        rec,
        Some((ep, Role::Server)),
    );
}

/// KALI brute-forces CORP\Administrator through SRV-APP01.
fn brute_force(lab: &mut Lab) {
    let ep = lab.episode(sc::BRUTE_FORCE,
        "KALI (10.0.0.66) tries 60 passwords for CORP\\Administrator through SRV-APP01 in about two minutes: SRV-APP01 4625 (0xC000006D / 0xC000006A, workstation KALI) and DC01 4776 (0xC000006A) for each.");
    let start = lab.at(4 * HOUR + 15 * MIN);
    let mut t = start;
    for _ in 0..60 {
        t += lab.rng.range(10_000_000, 30_000_000);
        let f = Failure {
            target_sid: r::NULL_SID,
            user: "Administrator".into(),
            domain: DOMAIN.into(),
            status: 0xC000_006D,
            sub_status: 0xC000_006A,
            workstation: "KALI".into(),
            ip: "10.0.0.66".into(),
            port: lab.rng.port(),
        };
        let tid = lab.tid();
        let rec = r::logon_failure(&lab.hosts[SRV_APP01], tid, &f);
        lab.emit(SRV_APP01, Log::Security, t, rec, Some((ep, Role::Server)));
        lab.dc_validates(Some(ep), "Administrator", "KALI", None, 0xC000_006A, t);
    }
}

/// The IIS application on SRV-APP01 impersonates NTLM-authenticated users and queries SQL01:
/// without delegation the second hop is anonymous and SQL Server refuses it (18456).
fn sql_server_anonymous(lab: &mut Lab) {
    let ep = lab.episode(sc::SQL_SERVER_ANONYMOUS,
        "Double hop without delegation: users reach the IIS application on SRV-APP01 with NTLM (4624 on SRV-APP01), w3wp impersonates them and opens SQL01 (8001 on SRV-APP01 for MSSQLSvc/SQL01.corp.example:1433 with no user); SQL01 logs an anonymous 4624 from SRV-APP01's address, 8002 by sqlservr.exe and Application 18456 for NT AUTHORITY\\ANONYMOUS LOGON [CLIENT: 10.0.0.21].");
    let mut times: Vec<u64> = (0..12).map(|_| lab.rng.range(HOUR, 7 * HOUR)).collect();
    times.sort_unstable();
    let sql_svc_luid = lab.luid(SQL01);
    for at in times {
        let ws = *lab.rng.pick(&WORKSTATIONS);
        let user = owner(ws);
        let t = lab.at(at);
        // The front hop: the user's browser to IIS, NTLM (DC side unlabelled background).
        let (front, _) = {
            let luid = lab.luid(SRV_APP01);
            let port = lab.rng.port();
            let l = Logon::ntlm(
                Account::domain_user(&user, luid),
                "NTLM V2",
                128,
                lab.name(ws),
                lab.ip(ws),
                port,
            );
            lab.logon_on(Some(ep), SRV_APP01, t, &l);
            (l.target, port)
        };
        lab.dc_validates(None, user.name, lab.name(ws), Some(SRV_APP01), 0, t);
        let caller = Caller {
            pid: 4312,
            process: r"c:\windows\system32\inetsrv\w3wp.exe".into(),
            luid: front.logon_id,
            user: user.name.into(),
            domain: DOMAIN.into(),
        };
        let t1 = t + 2_000_000;
        lab.ntlm_client_audit(
            Some(ep),
            SRV_APP01,
            t1,
            "MSSQLSvc/SQL01.corp.example:1433",
            "(NULL)",
            "NULL",
            &caller,
            NTLM_OID,
        );
        let luid = lab.luid(SQL01);
        let port = lab.rng.port();
        let l = Logon::anonymous(luid, "SRV-APP01", "10.0.0.21", port);
        lab.logon_on(Some(ep), SQL01, t1, &l);
        let c = Caller {
            pid: 3056,
            process:
                r"C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL\Binn\sqlservr.exe"
                    .into(),
            luid: sql_svc_luid,
            user: "svc_sql".into(),
            domain: DOMAIN.into(),
        };
        let tid = lab.tid();
        let rec = r::ntlm_incoming(&lab.hosts[SQL01], tid, &c, NTLM_OID);
        lab.emit(SQL01, Log::Ntlm, t1 - 10_000, rec, Some((ep, Role::Server)));
        let rec = r::sql_login_failed(
            &lab.hosts[SQL01],
            r"NT AUTHORITY\ANONYMOUS LOGON",
            "Could not find a login matching the name provided.",
            "10.0.0.21",
            "master",
        );
        lab.emit(
            SQL01,
            Log::Application,
            t1 + 50_000,
            rec,
            Some((ep, Role::Server)),
        );
        lab.logoff_later(SQL01, t1, &l.target, 3, 2);
        lab.logoff_later(SRV_APP01, t1, &front, 3, 30);
    }
}
