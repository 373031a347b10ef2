//! What a host *is*, as its exported files say: OS version and product, DNS host name and primary
//! DNS suffix. These are not settings (no baseline checks them) but they decide how Windows
//! behaves when a setting is not defined: before Windows 7 / Server 2008 R2, LocalSystem NTLM
//! is anonymous unless told otherwise.
//!
//! Read from `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion` (`reg export` of the key, or a
//! SOFTWARE hive) and `HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters` (a `.reg` export
//! or a SYSTEM hive). Every fact keeps its file and place.

use super::{Entry, Item, Place, RegOp, RegValue};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub(crate) const CURRENT_VERSION_KEY: &str = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
pub(crate) const TCPIP_KEY: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";

/// One value read from a file, with where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    /// The value as text (a REG_DWORD in decimal).
    pub value: String,
    pub file: PathBuf,
    pub place: Place,
}

impl Fact {
    /// `path: place`, for reasons and reports.
    pub fn source_text(&self) -> String {
        format!("{}: {}", self.file.display(), self.place)
    }
}

/// The facts found in one file, or (merged, later files winning) in all files of one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostFacts {
    /// `CurrentVersion\ProductName` ("Windows Server 2008 Standard", "Windows 10 Enterprise").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<Fact>,
    /// `CurrentVersion\CurrentVersion`: "6.0" Vista / 2008, "6.1" 7 / 2008 R2, "6.2", "6.3"
    /// (kept at "6.3" by Windows 10 and later, which add CurrentMajorVersionNumber).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<Fact>,
    /// `CurrentVersion\CurrentMajorVersionNumber` (REG_DWORD, Windows 10 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major_version: Option<Fact>,
    /// `CurrentVersion\CurrentMinorVersionNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minor_version: Option<Fact>,
    /// `CurrentVersion\CurrentBuild`, else `CurrentBuildNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Fact>,
    /// `Tcpip\Parameters\Hostname`: the DNS host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_hostname: Option<Fact>,
    /// `Tcpip\Parameters\Domain` (else `NV Domain`): the primary DNS suffix, which joining an
    /// Active Directory domain sets to the domain's DNS name. Empty when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_domain: Option<Fact>,
}

/// A Windows version as read from the configuration, with the fact that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsVersion {
    pub major: u32,
    pub minor: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// What was read: `CurrentVersion 6.0`, `CurrentMajorVersionNumber 10`, `CurrentBuild 6002`.
    pub what: String,
    /// The value that decided the version.
    pub source: Fact,
}

impl OsVersion {
    /// Windows before 7 / Server 2008 R2 (NT 6.1).
    pub fn before_windows7(&self) -> bool {
        (self.major, self.minor) < (6, 1)
    }

    /// The Windows family of this NT version.
    pub fn family(&self) -> &'static str {
        match (self.major, self.minor) {
            (5, 0) => "Windows 2000",
            (5, 1) => "Windows XP",
            (5, 2) => "Windows XP x64 / Server 2003",
            (6, 0) => "Windows Vista / Server 2008",
            (6, 1) => "Windows 7 / Server 2008 R2",
            (6, 2) => "Windows 8 / Server 2012",
            (6, 3) if self.build.is_some_and(|b| b >= 10240) => {
                "Windows 10 / 11 / Server 2016 or later"
            }
            (6, 3) => "Windows 8.1 / Server 2012 R2",
            (10, _) => "Windows 10 / 11 / Server 2016 or later",
            (m, _) if m < 5 => "Windows NT 4 or earlier",
            _ => "Windows",
        }
    }

    /// `CurrentVersion 6.0 (Windows Server 2008 Standard, build 6002)`.
    pub fn describe(&self) -> String {
        let name = self.product.as_deref().unwrap_or(self.family());
        match self.build {
            Some(b) if !self.what.contains(&b.to_string()) => {
                format!("{} ({name}, build {b})", self.what)
            }
            _ => format!("{} ({name})", self.what),
        }
    }
}

/// The NT version a build number belongs to (release builds).
fn version_of_build(build: u32) -> Option<(u32, u32)> {
    Some(match build {
        10240.. => (10, 0),
        9600.. => (6, 3),
        9200.. => (6, 2),
        7600.. => (6, 1),
        6000.. => (6, 0),
        3790.. => (5, 2),
        2600.. => (5, 1),
        2195.. => (5, 0),
        _ => return None,
    })
}

impl HostFacts {
    /// Collect the facts among a file's entries (the last value read wins).
    pub fn from_entries(path: &Path, entries: &[Entry]) -> Self {
        let mut f = HostFacts::default();
        let mut nv_domain = None;
        let mut build_number = None;
        for e in entries {
            let Item::Registry {
                key,
                value,
                op: RegOp::Set(v),
            } = &e.item
            else {
                continue;
            };
            let text = match v {
                RegValue::Sz(s) | RegValue::ExpandSz(s) => s.trim().to_string(),
                RegValue::Dword(n) | RegValue::DwordBe(n) => n.to_string(),
                RegValue::Qword(n) => n.to_string(),
                _ => continue,
            };
            let fact = || Fact {
                value: text.clone(),
                file: path.to_path_buf(),
                place: e.place.clone(),
            };
            let name = value.to_ascii_lowercase();
            if key.eq_ignore_ascii_case(CURRENT_VERSION_KEY) && !text.is_empty() {
                match name.as_str() {
                    "productname" => f.product_name = Some(fact()),
                    "currentversion" => f.current_version = Some(fact()),
                    "currentmajorversionnumber" => f.major_version = Some(fact()),
                    "currentminorversionnumber" => f.minor_version = Some(fact()),
                    "currentbuild" => f.build = Some(fact()),
                    "currentbuildnumber" => build_number = Some(fact()),
                    _ => {}
                }
            } else if key.eq_ignore_ascii_case(TCPIP_KEY) {
                match name.as_str() {
                    "hostname" if !text.is_empty() => f.dns_hostname = Some(fact()),
                    "domain" => f.dns_domain = Some(fact()),
                    "nv domain" => nv_domain = Some(fact()),
                    _ => {}
                }
            }
        }
        if f.build.is_none() {
            f.build = build_number;
        }
        if f.dns_domain.is_none() {
            f.dns_domain = nv_domain;
        }
        f
    }

    /// Add a later file's facts: where both have a value, the later one wins.
    pub fn merge_later(&mut self, later: &HostFacts) {
        let pairs = [
            (&mut self.product_name, &later.product_name),
            (&mut self.current_version, &later.current_version),
            (&mut self.major_version, &later.major_version),
            (&mut self.minor_version, &later.minor_version),
            (&mut self.build, &later.build),
            (&mut self.dns_hostname, &later.dns_hostname),
            (&mut self.dns_domain, &later.dns_domain),
        ];
        for (mine, theirs) in pairs {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == HostFacts::default()
    }

    /// The Windows version: CurrentMajor/MinorVersionNumber when present (Windows 10 and
    /// later), else CurrentVersion, else the build number.
    pub fn os_version(&self) -> Option<OsVersion> {
        let num = |f: &Option<Fact>| f.as_ref().and_then(|f| f.value.trim().parse::<u32>().ok());
        let build = num(&self.build);
        let product = self.product_name.as_ref().map(|f| f.value.clone());
        let make = |major, minor, what: String, source: &Fact| OsVersion {
            major,
            minor,
            build,
            product: product.clone(),
            what,
            source: source.clone(),
        };
        if let (Some(major), Some(src)) = (num(&self.major_version), &self.major_version) {
            let minor = num(&self.minor_version).unwrap_or(0);
            return Some(make(
                major,
                minor,
                format!("CurrentMajorVersionNumber {major}"),
                src,
            ));
        }
        if let Some(src) = &self.current_version {
            let mut parts = src.value.trim().splitn(2, '.');
            let major = parts.next().and_then(|p| p.trim().parse().ok());
            let minor = parts.next().map_or(Some(0), |p| p.trim().parse().ok());
            if let (Some(major), Some(minor)) = (major, minor) {
                return Some(make(
                    major,
                    minor,
                    format!("CurrentVersion {}", src.value.trim()),
                    src,
                ));
            }
        }
        let (b, src) = (build?, self.build.as_ref()?);
        let (major, minor) = version_of_build(b)?;
        Some(make(major, minor, format!("CurrentBuild {b}"), src))
    }

    /// The DNS name, `Hostname.Domain`, when the files give the host name.
    pub fn dns_name(&self) -> Option<String> {
        let h = self.dns_hostname.as_ref()?.value.trim();
        match self.dns_domain.as_ref().map(|d| d.value.trim()) {
            Some(d) if !d.is_empty() => Some(format!("{h}.{d}")),
            _ => Some(h.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str, v: RegValue, line: usize) -> Entry {
        Entry {
            item: Item::Registry {
                key: key.into(),
                value: value.into(),
                op: RegOp::Set(v),
            },
            place: Place::Line(line),
        }
    }

    #[test]
    fn versions() {
        let p = Path::new("x.reg");
        let f = HostFacts::from_entries(
            p,
            &[
                entry(
                    CURRENT_VERSION_KEY,
                    "CurrentVersion",
                    RegValue::Sz("6.0".into()),
                    3,
                ),
                entry(
                    CURRENT_VERSION_KEY,
                    "CurrentBuildNumber",
                    RegValue::Sz("6002".into()),
                    4,
                ),
            ],
        );
        let v = f.os_version().unwrap();
        assert!(v.before_windows7());
        assert_eq!(
            v.describe(),
            "CurrentVersion 6.0 (Windows Vista / Server 2008, build 6002)"
        );
        assert_eq!(v.source.source_text(), "x.reg: line 3");

        let f = HostFacts::from_entries(
            p,
            &[
                entry(
                    CURRENT_VERSION_KEY,
                    "CurrentVersion",
                    RegValue::Sz("6.3".into()),
                    3,
                ),
                entry(
                    CURRENT_VERSION_KEY,
                    "CurrentMajorVersionNumber",
                    RegValue::Dword(10),
                    4,
                ),
                entry(
                    CURRENT_VERSION_KEY,
                    "CurrentBuild",
                    RegValue::Sz("19045".into()),
                    5,
                ),
            ],
        );
        let v = f.os_version().unwrap();
        assert_eq!((v.major, v.minor, v.build), (10, 0, Some(19045)));
        assert!(!v.before_windows7());

        let f = HostFacts::from_entries(
            p,
            &[entry(
                CURRENT_VERSION_KEY,
                "CurrentBuildNumber",
                RegValue::Sz("7601".into()),
                9,
            )],
        );
        let v = f.os_version().unwrap();
        assert_eq!((v.major, v.minor), (6, 1));
        assert_eq!(v.what, "CurrentBuild 7601");
        assert!(HostFacts::default().os_version().is_none());
    }

    #[test]
    fn dns_name() {
        let p = Path::new("x.reg");
        let f = HostFacts::from_entries(
            p,
            &[
                entry(TCPIP_KEY, "Hostname", RegValue::Sz("srv01".into()), 3),
                entry(
                    TCPIP_KEY,
                    "NV Domain",
                    RegValue::Sz("corp.example".into()),
                    4,
                ),
            ],
        );
        assert_eq!(f.dns_name().as_deref(), Some("srv01.corp.example"));
    }
}
