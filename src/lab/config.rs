//! Per-host configuration exports, for `nullsight audit` and `scan --config`: `<HOST>/config/Lsa.reg`
//! (regedit version 5: UTF-16LE with a BOM, CRLF) with the settings behind the scenarios and the
//! host's name, ProductType, OS version (Windows NT\CurrentVersion) and DNS name and suffix
//! (Tcpip\Parameters), and `<HOST>/config/audit.csv` (`auditpol /backup`) with the audit
//! policy that writes the lab's Security events.

use super::domain::*;
use super::sidecar::ConfigFile;
use anyhow::Context;
use std::path::Path;

const LSA: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa";
const MSV1_0: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0";
const NETLOGON: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters";

/// The values exported for one host: (key, name, dword), and what they show.
fn values(idx: usize, h: &Host) -> (Vec<(&'static str, &'static str, u32)>, String) {
    let mut v = vec![
        (
            LSA,
            "LmCompatibilityLevel",
            if idx == WKS003 {
                1
            } else if idx == SRV_LEGACY08 {
                2
            } else {
                3
            },
        ),
        (LSA, "RestrictAnonymous", 0),
        (LSA, "RestrictAnonymousSAM", 1),
        (LSA, "EveryoneIncludesAnonymous", 0),
    ];
    let mut shows = vec![];
    if idx == WKS003 {
        shows.push("LmCompatibilityLevel = 1 (sends NTLMv1: scenario ntlmv1_client)".to_string());
    }
    if idx == WKS004 {
        v.push((LSA, "UseMachineId", 0));
        shows.push(
            "UseMachineId = 0 (LocalSystem NTLM is anonymous: scenario localsystem_fallback)"
                .into(),
        );
    }
    if idx == SRV_LEGACY08 {
        v.push((MSV1_0, "NtlmMinClientSec", 0));
        shows.push("Windows Server 2008 (CurrentVersion 6.0) without UseMachineId (anonymous LocalSystem fallback by default: `scan --config` classifies its anonymous logons localsystem_fallback) and NtlmMinClientSec = 0 (no 128-bit requirement: weak_session_key)".into());
    } else if h.ntlm_operational {
        v.push((MSV1_0, "NtlmMinClientSec", 0x2008_0000));
        v.push((MSV1_0, "NtlmMinServerSec", 0x2008_0000));
        v.push((MSV1_0, "AuditReceivingNTLMTraffic", 2));
        v.push((MSV1_0, "RestrictSendingNTLMTraffic", 1));
        shows.push("NTLM auditing on (AuditReceivingNTLMTraffic = 2, RestrictSendingNTLMTraffic = 1: audit all), which is what writes 8001/8002/8003".into());
    }
    if idx == DC01 {
        v.push((NETLOGON, "AuditNTLMInDomain", 7));
        shows.push("AuditNTLMInDomain = 7 (8004 on the DC); FullSecureChannelProtection absent (Zerologon deployment phase: 5829)".into());
    }
    (v, shows.join("; "))
}

const COMPUTER_NAME: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName";
const CURRENT_VERSION: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
const TCPIP: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";
const PRODUCT_OPTIONS: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions";

/// ProductType as Windows writes it: LanmanNT (DC), ServerNT (server), WinNT (workstation).
fn product_type(h: &Host) -> &'static str {
    match h.role {
        HostRole::DomainController => "LanmanNT",
        HostRole::MemberServer | HostRole::SqlServer => "ServerNT",
        _ => "WinNT",
    }
}

fn reg_file(h: &Host, values: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut text = String::from("Windows Registry Editor Version 5.00\r\n");
    // Who and what the host is, so that `nullsight audit` names it and knows its role.
    text.push_str(&format!(
        "\r\n[{COMPUTER_NAME}]\r\n\"ComputerName\"=\"{}\"\r\n",
        h.name
    ));
    text.push_str(&format!(
        "\r\n[{PRODUCT_OPTIONS}]\r\n\"ProductType\"=\"{}\"\r\n",
        product_type(h)
    ));
    // What `reg export "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"` shows of the OS:
    // CurrentVersion stays "6.3" from Windows 8.1 on; Windows 10 and later add the major and
    // minor version numbers.
    let (product, build) = h.os.rsplit_once(" (").unwrap_or((h.os, ""));
    let build = build.split(')').next().unwrap_or("");
    let number: u32 = build.parse().unwrap_or(0);
    let version = match number {
        9600.. => "6.3",
        9200.. => "6.2",
        7600.. => "6.1",
        _ => "6.0",
    };
    text.push_str(&format!(
        "\r\n[{CURRENT_VERSION}]\r\n\"CurrentBuild\"=\"{build}\"\r\n\"CurrentBuildNumber\"=\"{build}\"\r\n"
    ));
    if number >= 10240 {
        text.push_str("\"CurrentMajorVersionNumber\"=dword:0000000a\r\n\"CurrentMinorVersionNumber\"=dword:00000000\r\n");
    }
    text.push_str(&format!(
        "\"CurrentVersion\"=\"{version}\"\r\n\"ProductName\"=\"{product}\"\r\n"
    ));
    // The DNS name and primary DNS suffix (set by joining the domain; empty in a workgroup).
    let suffix = h
        .fqdn
        .as_deref()
        .and_then(|f| f.split_once('.'))
        .map_or("", |(_, d)| d);
    text.push_str(&format!(
        "\r\n[{TCPIP}]\r\n\"Hostname\"=\"{}\"\r\n\"Domain\"=\"{suffix}\"\r\n\"NV Domain\"=\"{suffix}\"\r\n",
        h.name
    ));
    let mut key = "";
    for (k, name, dword) in values {
        if *k != key {
            text.push_str(&format!("\r\n[{k}]\r\n"));
            key = k;
        }
        text.push_str(&format!("\"{name}\"=dword:{dword:08x}\r\n"));
    }
    text.push_str("\r\n");
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// Advanced audit policy (`auditpol /backup` CSV): what the lab's Security logs need.
const AUDIT: &[(&str, &str, u32)] = &[
    (
        "Security State Change",
        "{0CCE9210-69AE-11D9-BED3-505054503030}",
        1,
    ),
    ("Logon", "{0CCE9215-69AE-11D9-BED3-505054503030}", 3),
    ("Logoff", "{0CCE9216-69AE-11D9-BED3-505054503030}", 1),
    ("Special Logon", "{0CCE921B-69AE-11D9-BED3-505054503030}", 1),
    ("File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", 3),
    (
        "Computer Account Management",
        "{0CCE9236-69AE-11D9-BED3-505054503030}",
        3,
    ),
    (
        "Credential Validation",
        "{0CCE923F-69AE-11D9-BED3-505054503030}",
        3,
    ),
    (
        "Detailed File Share",
        "{0CCE9244-69AE-11D9-BED3-505054503030}",
        3,
    ),
];

fn audit_csv(h: &Host) -> Vec<u8> {
    let mut text = String::from(
        "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n",
    );
    for (name, guid, value) in AUDIT {
        let setting = match value {
            1 => "Success",
            2 => "Failure",
            _ => "Success and Failure",
        };
        text.push_str(&format!(
            "{},System,{name},{guid},{setting},,{value}\r\n",
            h.name
        ));
    }
    text.into_bytes()
}

pub(crate) fn write(out_dir: &Path, hosts: &[Host]) -> anyhow::Result<Vec<ConfigFile>> {
    let mut files = Vec::new();
    for (idx, h) in hosts.iter().enumerate() {
        if !h.logs {
            continue;
        }
        let (vals, shows) = values(idx, h);
        let dir = out_dir.join(h.name).join("config");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("Lsa.reg");
        std::fs::write(&path, reg_file(h, &vals))
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push(ConfigFile {
            file: format!("{}/config/Lsa.reg", h.name),
            host: h.name.to_string(),
            format: "regedit5",
            shows: if shows.is_empty() {
                "defaults".into()
            } else {
                shows
            },
        });
        let path = dir.join("audit.csv");
        std::fs::write(&path, audit_csv(h))
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push(ConfigFile {
            file: format!("{}/config/audit.csv", h.name),
            host: h.name.to_string(),
            format: "auditpol_csv",
            shows: "the advanced audit policy behind the Security logs: Logon, Credential Validation, File Share, Detailed File Share, Computer Account Management (success and failure), Special Logon, Logoff, Security State Change".into(),
        });
    }
    Ok(files)
}
