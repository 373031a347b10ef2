//! The lab's network: one domain (CORP / corp.example), its hosts, accounts and devices.

use serde::Serialize;

pub const DOMAIN: &str = "CORP";
pub const DNS_DOMAIN: &str = "corp.example";
pub const DOMAIN_SID: &str = "S-1-5-21-3623811015-3361044348-30300820";
pub const WORKGROUP: &str = "WORKGROUP";

/// What a host is in the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostRole {
    DomainController,
    MemberServer,
    SqlServer,
    Workstation,
    /// Not domain joined (workgroup).
    Workgroup,
    /// Seen on the network only: no logs are generated for it.
    Attacker,
    Device,
}

/// One machine. Hosts with `logs` get their own EVTX files.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    pub role: HostRole,
    pub ip: &'static str,
    pub os: &'static str,
    pub domain_joined: bool,
    /// The 4624 schema version this OS writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_event_version: Option<u8>,
    /// Whether the OS has the Microsoft-Windows-NTLM/Operational channel (Windows 7 /
    /// Server 2008 R2 and later).
    pub ntlm_operational: bool,
    pub logs: bool,
    /// RID of the computer account (domain-joined hosts).
    #[serde(skip)]
    pub rid: u32,
    #[serde(skip)]
    pub lsass_pid: u32,
    pub notes: &'static str,
}

impl Host {
    /// The `<Computer>` of its events: the FQDN for domain members, the name otherwise.
    pub fn computer(&self) -> String {
        self.fqdn.clone().unwrap_or_else(|| self.name.to_string())
    }
    pub fn account(&self) -> String {
        format!("{}$", self.name)
    }
    pub fn sid(&self) -> String {
        format!("{DOMAIN_SID}-{}", self.rid)
    }
    /// The NetBIOS domain (or workgroup) the host belongs to.
    pub fn domain(&self) -> &'static str {
        if self.domain_joined {
            DOMAIN
        } else {
            WORKGROUP
        }
    }
}

// Host indices (stable: scenarios refer to them).
pub const DC01: usize = 0;
pub const SRV_FILE01: usize = 1;
pub const SRV_APP01: usize = 2;
pub const SQL01: usize = 3;
pub const SRV_LEGACY08: usize = 4;
pub const WKS001: usize = 5;
pub const WKS002: usize = 6;
pub const WKS003: usize = 7;
pub const WKS004: usize = 8;
pub const WKS005: usize = 9;
pub const KIOSK07: usize = 10;
pub const KALI: usize = 11;
pub const MFP: usize = 12;
pub const NAS01: usize = 13;

pub const WORKSTATIONS: [usize; 5] = [WKS001, WKS002, WKS003, WKS004, WKS005];
pub const SERVERS: [usize; 3] = [SRV_FILE01, SRV_APP01, SQL01];

#[allow(clippy::too_many_arguments)]
fn host(
    name: &'static str,
    role: HostRole,
    ip: &'static str,
    os: &'static str,
    version: Option<u8>,
    ntlm: bool,
    rid: u32,
    notes: &'static str,
) -> Host {
    let joined = !matches!(
        role,
        HostRole::Workgroup | HostRole::Attacker | HostRole::Device
    );
    let logs = version.is_some();
    Host {
        name,
        fqdn: joined.then(|| format!("{name}.{DNS_DOMAIN}")),
        role,
        ip,
        os,
        domain_joined: joined,
        logon_event_version: version,
        ntlm_operational: ntlm && logs,
        logs,
        rid,
        lsass_pid: 0,
        notes,
    }
}

/// The lab's machines, in index order.
pub fn hosts(rng: &mut super::rng::Rng) -> Vec<Host> {
    use HostRole::*;
    let mut v = vec![
        host("DC01", DomainController, "10.0.0.10", "Windows Server 2019 Datacenter (17763)", Some(2), true, 1000,
             "Domain controller. Audits NTLM in the domain (8004). Zerologon exploited in the morning; patched and rebooted at 13:00 (deployment phase: 5829, not enforcing)."),
        host("SRV-FILE01", MemberServer, "10.0.0.20", "Windows Server 2022 Standard (20348)", Some(2), true, 1101,
             "File server (shares Finance, Public, Kiosk, Backup, Scans). Its Security.evtx is the one --size grows."),
        host("SRV-APP01", MemberServer, "10.0.0.21", "Windows Server 2012 R2 Standard (9600)", Some(1), true, 1102,
             "IIS middle tier (app pool CORP\\svc_web) in front of SQL01; Kerberos delegation not configured."),
        host("SQL01", SqlServer, "10.0.0.30", "Windows Server 2019 Standard (17763), SQL Server 2019 default instance", Some(2), true, 1103,
             "SQL Server (MSSQLSERVER, service account CORP\\svc_sql); its MSSQLSvc SPN is missing."),
        host("SRV-LEGACY08", MemberServer, "10.0.0.40", "Windows Server 2008 Standard SP2 (6002)", Some(0), false, 1104,
             "Pre-Windows 7 behaviour: LocalSystem falls back to anonymous NTLM. No NTLM/Operational channel on this OS."),
        host("WKS001", Workstation, "10.0.1.101", "Windows 10 Enterprise 22H2 (19045)", Some(2), true, 1201,
             "alice. A scheduled task running as LOCAL SERVICE copies a file to \\\\SRV-FILE01\\Public every 30 minutes."),
        host("WKS002", Workstation, "10.0.1.102", "Windows 10 Enterprise 22H2 (19045)", Some(2), true, 1202,
             "bob (IT). Tests a null session with net use; an old tool negotiates 40-bit NTLM session keys."),
        host("WKS003", Workstation, "10.0.1.103", "Windows 10 Enterprise 21H2 (19044)", Some(2), true, 1203,
             "carol. LmCompatibilityLevel = 1: sends NTLMv1."),
        host("WKS004", Workstation, "10.0.1.104", "Windows 10 Enterprise 22H2 (19045)", Some(2), true, 1204,
             "dave. UseMachineId = 0: its LocalSystem inventory agent authenticates anonymously."),
        host("WKS005", Workstation, "10.0.1.105", "Windows 11 Enterprise 24H2 (26100)", Some(3), true, 1205,
             "erin. Writes 4624 version 3 (RemoteCredentialGuard). Used for a 4648 password spray."),
        host("KIOSK-07", Workgroup, "10.0.2.50", "Windows 10 IoT Enterprise LTSC 2021 (19044)", Some(2), true, 0,
             "Not domain joined (WORKGROUP). A sync service running as SYSTEM reads \\\\SRV-FILE01\\Kiosk hourly."),
        host("KALI", Attacker, "10.0.0.66", "Kali Linux (Samba / impacket clients)", None, false, 0,
             "Attacker box, not domain joined. No logs."),
        host("MFP-2F", Device, "10.0.3.20", "Multifunction printer firmware (scan to SMB)", None, false, 0,
             "Scans to \\\\SRV-FILE01\\Scans with CORP\\svc_scan over LM. No logs."),
        host("NAS01", Device, "10.0.0.50", "Samba-based NAS (domain member)", None, false, 0,
             "Domain member using a vulnerable Netlogon secure channel (5829 after DC01 is patched). No logs."),
    ];
    v[NAS01].domain_joined = true;
    v[NAS01].rid = 1105;
    for h in &mut v {
        h.lsass_pid = 500 + 4 * rng.range(0, 80) as u32;
    }
    v
}

/// A domain account.
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub name: &'static str,
    pub rid: u32,
    pub admin: bool,
}

impl User {
    pub fn sid(&self) -> String {
        format!("{DOMAIN_SID}-{}", self.rid)
    }
}

pub const ADMINISTRATOR: User = User {
    name: "Administrator",
    rid: 500,
    admin: true,
};
pub const SVC_BACKUP: User = User {
    name: "svc_backup",
    rid: 1150,
    admin: true,
};
pub const SVC_WEB: User = User {
    name: "svc_web",
    rid: 1151,
    admin: false,
};
pub const SVC_SQL: User = User {
    name: "svc_sql",
    rid: 1152,
    admin: false,
};
pub const SVC_SCAN: User = User {
    name: "svc_scan",
    rid: 1153,
    admin: false,
};

/// Ordinary users; the first five sit at WKS001..WKS005.
pub static USERS: &[User] = &[
    User {
        name: "alice",
        rid: 1104,
        admin: false,
    },
    User {
        name: "bob",
        rid: 1105,
        admin: true,
    },
    User {
        name: "carol",
        rid: 1106,
        admin: false,
    },
    User {
        name: "dave",
        rid: 1107,
        admin: false,
    },
    User {
        name: "erin",
        rid: 1108,
        admin: false,
    },
    User {
        name: "frank",
        rid: 1109,
        admin: false,
    },
    User {
        name: "grace",
        rid: 1110,
        admin: false,
    },
    User {
        name: "heidi",
        rid: 1111,
        admin: false,
    },
    User {
        name: "ivan",
        rid: 1112,
        admin: false,
    },
    User {
        name: "judy",
        rid: 1113,
        admin: false,
    },
    User {
        name: "mallory",
        rid: 1114,
        admin: false,
    },
    User {
        name: "niaj",
        rid: 1115,
        admin: false,
    },
    User {
        name: "olivia",
        rid: 1116,
        admin: false,
    },
    User {
        name: "peggy",
        rid: 1117,
        admin: false,
    },
    User {
        name: "rupert",
        rid: 1118,
        admin: false,
    },
    User {
        name: "sybil",
        rid: 1119,
        admin: false,
    },
    User {
        name: "trent",
        rid: 1120,
        admin: false,
    },
    User {
        name: "uma",
        rid: 1121,
        admin: false,
    },
    User {
        name: "victor",
        rid: 1122,
        admin: false,
    },
    User {
        name: "walter",
        rid: 1123,
        admin: false,
    },
    User {
        name: "xavier",
        rid: 1124,
        admin: false,
    },
    User {
        name: "yvonne",
        rid: 1125,
        admin: false,
    },
    User {
        name: "zoe",
        rid: 1126,
        admin: false,
    },
    User {
        name: "adm_jdoe",
        rid: 1127,
        admin: true,
    },
    User {
        name: "kmiller",
        rid: 1128,
        admin: false,
    },
    User {
        name: "lnguyen",
        rid: 1129,
        admin: false,
    },
    User {
        name: "mgarcia",
        rid: 1130,
        admin: false,
    },
    User {
        name: "nsmith",
        rid: 1131,
        admin: false,
    },
    User {
        name: "opatel",
        rid: 1132,
        admin: false,
    },
    User {
        name: "pchen",
        rid: 1133,
        admin: false,
    },
];

/// The user who sits at a workstation.
pub fn owner(host: usize) -> User {
    USERS[host - WKS001]
}
