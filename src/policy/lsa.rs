//! The LSA policy in an offline SECURITY hive: the system audit policy (`Policy\PolAdtEv`) and
//! the security descriptor of the LSA policy object (`Policy\SecDesc`), which holds "Network
//! access: Allow anonymous SID/Name translation" (secedit `LSAAnonymousNameLookup`).
//!
//! Both are attributes of the LSA policy object, stored as a subkey of `Policy` whose default
//! (unnamed) value, of type REG_NONE, holds the data: ReactOS lsasrv `database.c`
//! (`LsapSetObjectAttribute` writes `PolAdtEv` and `SecDesc` that way), Volatility 2
//! `registry/auditpol.py` (reads the REG_NONE values of `Policy\PolAdtEv`), and J. Forshaw,
//! *Windows Security Internals* (No Starch Press, 2024), chapter 10: "The security descriptor
//! that secures the policy object is found in the Policy\SecDesc key".
//!
//! # `PolAdtEv`, Vista and later
//!
//! Little-endian. Bytes 0–3 are not interpreted. Bytes 4–7: the number of categories (9).
//! Bytes 8–11: the offset of the per-category counts. From byte 12: one 16-bit setting per
//! subcategory (0 none, 1 success, 2 failure, 3 both), category after category; then one spare
//! 16-bit value; then, at the offset, one 16-bit count per category. Sources: dissect.target
//! `plugins/os/windows/regf/auditpol.py` (header `num_categories` at 4, `footer_offset` at 8,
//! counts read there), abrignoni/DLEAPP `scripts/artifacts/windowsAuditPolicy.py` (the same
//! header, measured on Windows 11 build 26200, and the spare value), RegRipper
//! `plugins/auditpol.pl` (the total sizes and offsets of five layouts: 138 bytes/0x78,
//! 144/0x7e, 146/0x80, 148/0x82, 150/0x84).
//!
//! The order of the subcategories inside a category is not the order `auditpol` prints, nor
//! the order of their GUIDs: Special Logon is the 5th Logon/Logoff value and Other Object Access
//! Events the 5th Object Access value (Volatility's Vista and Windows 7 structures, taken from
//! kazamiya.net "PolAdtEv Structure" rev2; dissect.target; RegRipper's 2012, 2012 R2 and 2016
//! layouts; DLEAPP's measurement). A newer Windows adds subcategories at the end of their
//! category, so each layout is the first *n* of each category below.
//!
//! Trap: RegRipper's `processWin7` and `processWin10` list IPsec Quick Mode and IPsec Extended
//! Mode before Special Logon, and `processWin10` also moves Other Object Access Events after
//! Filtering Platform Connection. Where the sources for a layout disagree, nullsight does not
//! decode the disputed positions and says so. A layout whose counts are none of those below is
//! reported as unrecognised, never guessed.
//!
//! # `SecDesc` and anonymous SID/name translation
//!
//! A self-relative SECURITY_DESCRIPTOR ([MS-DTYP] 2.4.6: revision, Sbz1, control, then the
//! offsets of owner, group, SACL and DACL), ACLs ([MS-DTYP] 2.4.5: revision, Sbz1, AclSize,
//! AceCount, Sbz2, then the ACEs), ACEs ([MS-DTYP] 2.4.4: type, flags, AceSize, then the mask
//! and the SID, with two GUIDs after a flags field in object ACEs) and SIDs ([MS-DTYP] 2.4.2.2).
//!
//! The setting is a permission on the LSA policy object: whether ANONYMOUS LOGON (S-1-5-7)
//! has POLICY_LOOKUP_NAMES (0x800) on it (Tenable, "ANONYMOUS_SID_SETTING": "a permission check
//! on the LSA service … checks if the ANONYMOUS_USER has the flag POLICY_LOOKUP_NAMES set",
//! read with LsaQuerySecurityObject). Trap: the default DACL has both a *deny*
//! POLICY_LOOKUP_NAMES ACE for ANONYMOUS LOGON, first, and an *allow* POLICY_LOOKUP_NAMES |
//! POLICY_VIEW_LOCAL_INFORMATION ACE for it further down (ReactOS lsasrv `security.c`,
//! `LsapCreatePolicySd`), so looking for an allow ACE gives the wrong answer. nullsight
//! evaluates the DACL the way an access check does ([MS-DTYP] 2.5.3.2): ACEs in order,
//! inherit-only ACEs skipped, the first allow or deny ACE for S-1-5-7 whose mask holds 0x800
//! decides; none means no access; no DACL (a NULL DACL) means every access.
//!
//! Layouts with their offsets, the sources and what is left out: `docs/security-hive.md`.

use std::fmt;

/// ANONYMOUS LOGON.
pub const ANONYMOUS_LOGON: &str = "S-1-5-7";
/// Everyone.
pub const EVERYONE: &str = "S-1-1-0";
/// The LSA policy access right that LsarLookupNames / LsarLookupSids need.
pub const POLICY_LOOKUP_NAMES: u32 = 0x800;

/// An advanced audit policy subcategory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subcategory {
    /// The English name `auditpol` prints.
    pub name: &'static str,
    /// Upper case with braces, as the auditpol CSV reader keys them.
    pub guid: &'static str,
}

macro_rules! sub {
    ($name:literal, $g:literal) => {
        Subcategory {
            name: $name,
            guid: concat!("{0CCE", $g, "-69AE-11D9-BED3-505054503030}"),
        }
    };
}

/// The nine categories, each with its subcategories in the order PolAdtEv stores them (the
/// newest layout; older ones hold the first *n* of each).
pub const CATEGORIES: [(&str, &[Subcategory]); 9] = [
    (
        "System",
        &[
            sub!("Security State Change", "9210"),
            sub!("Security System Extension", "9211"),
            sub!("System Integrity", "9212"),
            sub!("IPsec Driver", "9213"),
            sub!("Other System Events", "9214"),
        ],
    ),
    (
        "Logon/Logoff",
        &[
            sub!("Logon", "9215"),
            sub!("Logoff", "9216"),
            sub!("Account Lockout", "9217"),
            sub!("IPsec Main Mode", "9218"),
            sub!("Special Logon", "921B"),
            sub!("IPsec Quick Mode", "9219"),
            sub!("IPsec Extended Mode", "921A"),
            sub!("Other Logon/Logoff Events", "921C"),
            sub!("Network Policy Server", "9243"),
            sub!("User / Device Claims", "9247"),
            sub!("Group Membership", "9249"),
            sub!("Access Rights", "924B"),
        ],
    ),
    (
        "Object Access",
        &[
            sub!("File System", "921D"),
            sub!("Registry", "921E"),
            sub!("Kernel Object", "921F"),
            sub!("SAM", "9220"),
            sub!("Other Object Access Events", "9227"),
            sub!("Certification Services", "9221"),
            sub!("Application Generated", "9222"),
            sub!("Handle Manipulation", "9223"),
            sub!("File Share", "9224"),
            sub!("Filtering Platform Packet Drop", "9225"),
            sub!("Filtering Platform Connection", "9226"),
            sub!("Detailed File Share", "9244"),
            sub!("Removable Storage", "9245"),
            sub!("Central Policy Staging", "9246"),
        ],
    ),
    (
        "Privilege Use",
        &[
            sub!("Sensitive Privilege Use", "9228"),
            sub!("Non Sensitive Privilege Use", "9229"),
            sub!("Other Privilege Use Events", "922A"),
        ],
    ),
    (
        "Detailed Tracking",
        &[
            sub!("Process Creation", "922B"),
            sub!("Process Termination", "922C"),
            sub!("DPAPI Activity", "922D"),
            sub!("RPC Events", "922E"),
            sub!("Plug and Play Events", "9248"),
            sub!("Token Right Adjusted Events", "924A"),
        ],
    ),
    (
        "Policy Change",
        &[
            sub!("Audit Policy Change", "922F"),
            sub!("Authentication Policy Change", "9230"),
            sub!("Authorization Policy Change", "9231"),
            sub!("MPSSVC Rule-Level Policy Change", "9232"),
            sub!("Filtering Platform Policy Change", "9233"),
            sub!("Other Policy Change Events", "9234"),
        ],
    ),
    (
        "Account Management",
        &[
            sub!("User Account Management", "9235"),
            sub!("Computer Account Management", "9236"),
            sub!("Security Group Management", "9237"),
            sub!("Distribution Group Management", "9238"),
            sub!("Application Group Management", "9239"),
            sub!("Other Account Management Events", "923A"),
        ],
    ),
    (
        "DS Access",
        &[
            sub!("Directory Service Access", "923B"),
            sub!("Directory Service Changes", "923C"),
            sub!("Directory Service Replication", "923D"),
            sub!("Detailed Directory Service Replication", "923E"),
        ],
    ),
    (
        "Account Logon",
        &[
            sub!("Credential Validation", "923F"),
            sub!("Kerberos Service Ticket Operations", "9240"),
            sub!("Other Account Logon Events", "9241"),
            sub!("Kerberos Authentication Service", "9242"),
        ],
    ),
];

/// A PolAdtEv layout that public sources describe.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The Windows versions that write it, as the sources name them.
    pub windows: &'static str,
    /// Subcategories per category, in category order (the counts the value ends with).
    pub counts: [u16; 9],
    /// The public sources for it.
    pub sources: &'static str,
    /// (category, index in the category) of the positions the sources disagree on.
    pub contested: &'static [(usize, usize)],
    /// How they disagree.
    pub contested_why: &'static str,
}

const RR_SPECIAL: &str = "RegRipper auditpol.pl puts IPsec Quick Mode, IPsec Extended Mode, Special Logon at Logon/Logoff positions 5-7; the other sources put Special Logon, IPsec Quick Mode, IPsec Extended Mode";

/// The layouts nullsight decodes.
pub const LAYOUTS: &[Layout] = &[
    Layout {
        windows: "Windows Vista / Server 2008",
        counts: [5, 9, 11, 3, 4, 6, 6, 4, 4],
        sources: "Volatility 2 registry/auditpol.py (AuditPolDataVista, from kazamiya.net PolAdtEv Structure rev2); dissect.target auditpol.py",
        contested: &[],
        contested_why: "",
    },
    Layout {
        windows: "Windows 7 / Server 2008 R2",
        counts: [5, 9, 12, 3, 4, 6, 6, 4, 4],
        sources: "Volatility 2 registry/auditpol.py (AuditPolData7, from kazamiya.net); dissect.target auditpol.py; RegRipper auditpol.pl processWin7 (138 bytes)",
        contested: &[(1, 4), (1, 5), (1, 6)],
        contested_why: RR_SPECIAL,
    },
    Layout {
        windows: "Windows 8 / Server 2012",
        counts: [5, 10, 14, 3, 4, 6, 6, 4, 4],
        sources: "RegRipper auditpol.pl processWin2012 (144 bytes); dissect.target auditpol.py",
        contested: &[],
        contested_why: "",
    },
    Layout {
        windows: "Windows 8.1 / Server 2012 R2",
        counts: [5, 10, 14, 3, 5, 6, 6, 4, 4],
        sources: "RegRipper auditpol.pl processWin2012R2 (146 bytes); dissect.target auditpol.py",
        contested: &[],
        contested_why: "",
    },
    Layout {
        windows: "early Windows 10 (RegRipper: \"Win10\", before the 1607 layout)",
        counts: [5, 11, 14, 3, 5, 6, 6, 4, 4],
        sources: "RegRipper auditpol.pl processWin10 (148 bytes); dissect.target auditpol.py",
        contested: &[
            (1, 4),
            (1, 5),
            (1, 6),
            (2, 4),
            (2, 5),
            (2, 6),
            (2, 7),
            (2, 8),
            (2, 9),
            (2, 10),
        ],
        contested_why: "RegRipper auditpol.pl processWin10 puts IPsec Quick Mode, IPsec Extended Mode, Special Logon at Logon/Logoff positions 5-7 and Other Object Access Events after Filtering Platform Connection (Object Access positions 5-11); dissect.target puts Special Logon 5th and Other Object Access Events 5th",
    },
    Layout {
        windows: "Windows 10 1607+ / Windows 11 (22H2 and earlier) / Server 2016-2022",
        counts: [5, 11, 14, 3, 6, 6, 6, 4, 4],
        sources: "RegRipper auditpol.pl processWin2016 (150 bytes); dissect.target auditpol.py; DLEAPP windowsAuditPolicy.py (these counts on builds 16299, 17763, 19041, 22621)",
        contested: &[],
        contested_why: "",
    },
    Layout {
        windows: "Windows 11 build 26200",
        counts: [5, 12, 14, 3, 6, 6, 6, 4, 4],
        sources: "DLEAPP windowsAuditPolicy.py (measured on build 26200); dissect.target auditpol.py (the first 11 Logon/Logoff positions)",
        contested: &[],
        contested_why: "",
    },
];

impl Layout {
    /// Number of subcategory values.
    pub fn values(&self) -> usize {
        self.counts.iter().map(|&c| c as usize).sum()
    }
    /// Offset of the per-category counts: header, values, one spare value.
    pub fn counts_offset(&self) -> usize {
        HEADER + 2 * self.values() + 2
    }
    /// Total size in bytes.
    pub fn size(&self) -> usize {
        self.counts_offset() + 2 * self.counts.len()
    }
}

const HEADER: usize = 12;
const MAX_CATEGORIES: usize = 64;

/// One decoded subcategory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSetting {
    pub subcategory: Subcategory,
    /// 0 none, 1 success, 2 failure, 3 both.
    pub setting: u32,
    /// Byte offset of the value in the PolAdtEv data.
    pub at: usize,
}

/// A decoded PolAdtEv value.
#[derive(Debug, Clone)]
pub struct AuditPolicy {
    pub layout: &'static Layout,
    pub settings: Vec<AuditSetting>,
    /// Subcategories left out because the sources disagree on their position.
    pub contested: Vec<Subcategory>,
    /// Positions holding a number other than 0–3: (subcategory, number, byte offset).
    pub bad_values: Vec<(Subcategory, u16, usize)>,
}

/// Why a PolAdtEv value was not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolAdtEvError {
    /// The data contradicts its own header (too short, offsets out of range, wrong size).
    Malformed {
        at: usize,
        message: String,
        truncated: bool,
    },
    /// Well formed, but with counts no public source describes.
    Unrecognised { len: usize, counts: Vec<u16> },
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Decode a Vista+ PolAdtEv value.
pub fn decode_poladtev(data: &[u8]) -> Result<AuditPolicy, PolAdtEvError> {
    let bad = |at: usize, truncated: bool, message: String| PolAdtEvError::Malformed {
        at,
        message,
        truncated,
    };
    let len = data.len();
    if len < HEADER {
        return Err(bad(
            len,
            true,
            format!("{len} bytes: shorter than the 12-byte PolAdtEv header"),
        ));
    }
    let categories = u32_at(data, 4).unwrap_or(0) as usize;
    let counts_at = u32_at(data, 8).unwrap_or(0) as usize;
    if categories == 0 || categories > MAX_CATEGORIES {
        return Err(bad(
            4,
            false,
            format!("the header gives {categories} categories (expected 1 to {MAX_CATEGORIES}; Vista and later have 9)"),
        ));
    }
    if counts_at < HEADER || !counts_at.is_multiple_of(2) {
        return Err(bad(
            8,
            false,
            format!("the header puts the category counts at byte {counts_at}, which is not an even offset past the 12-byte header"),
        ));
    }
    let counts_end = counts_at + 2 * categories;
    if counts_end > len {
        return Err(bad(
            len,
            true,
            format!(
                "{len} bytes, but the header puts {categories} category counts at bytes {counts_at}-{}",
                counts_end - 1
            ),
        ));
    }
    let counts: Vec<u16> = (0..categories)
        .map(|i| u16_at(data, counts_at + 2 * i).unwrap_or(0))
        .collect();
    let total: usize = counts.iter().map(|&c| c as usize).sum();
    let room = (counts_at - HEADER) / 2;
    if total > room {
        return Err(bad(
            counts_at,
            false,
            format!("the category counts add up to {total} subcategories, but only {room} values fit between the header and the counts"),
        ));
    }
    let Some(layout) = LAYOUTS.iter().find(|l| l.counts[..] == counts[..]) else {
        return Err(PolAdtEvError::Unrecognised { len, counts });
    };
    if counts_at != layout.counts_offset() || len != layout.size() {
        return Err(bad(
            if len < layout.size() { len } else { counts_at },
            len < layout.size(),
            format!(
                "{len} bytes with the counts at byte {counts_at}, but the {} layout with these counts is {} bytes with the counts at byte {}",
                layout.windows,
                layout.size(),
                layout.counts_offset()
            ),
        ));
    }
    let mut out = AuditPolicy {
        layout,
        settings: Vec::new(),
        contested: Vec::new(),
        bad_values: Vec::new(),
    };
    let mut at = HEADER;
    for (ci, &count) in layout.counts.iter().enumerate() {
        for si in 0..count as usize {
            let subcategory = CATEGORIES[ci].1[si];
            let v = u16_at(data, at).unwrap_or(u16::MAX);
            if layout.contested.contains(&(ci, si)) {
                out.contested.push(subcategory);
            } else if v > 3 {
                out.bad_values.push((subcategory, v, at));
            } else {
                out.settings.push(AuditSetting {
                    subcategory,
                    setting: v as u32,
                    at,
                });
            }
            at += 2;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Security descriptors

/// A SID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sid {
    pub revision: u8,
    /// The 48-bit identifier authority.
    pub authority: u64,
    pub sub_authorities: Vec<u32>,
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // [MS-DTYP] 2.4.2.1: the authority in decimal below 2^32, else in hexadecimal.
        if self.authority < 1 << 32 {
            write!(f, "S-{}-{}", self.revision, self.authority)?;
        } else {
            write!(f, "S-{}-0x{:012X}", self.revision, self.authority)?;
        }
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

/// An ACE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    /// Byte offset of the ACE in the security descriptor.
    pub offset: usize,
    pub ace_type: u8,
    pub flags: u8,
    pub size: u16,
    pub mask: u32,
    pub sid: Sid,
}

pub const ACCESS_ALLOWED_ACE_TYPE: u8 = 0x00;
pub const ACCESS_DENIED_ACE_TYPE: u8 = 0x01;
pub const INHERIT_ONLY_ACE: u8 = 0x08;

/// ACE types whose body is the mask, flags, up to two GUIDs and the SID ([MS-DTYP] 2.4.4.3).
fn is_object_ace(t: u8) -> bool {
    matches!(t, 0x05..=0x08 | 0x0B | 0x0C | 0x0F | 0x10)
}

/// An ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    /// Byte offset of the ACL in the security descriptor.
    pub offset: usize,
    pub revision: u8,
    pub size: u16,
    pub aces: Vec<Ace>,
}

/// A self-relative security descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityDescriptor {
    pub control: u16,
    pub owner: Option<Sid>,
    pub group: Option<Sid>,
    /// `None` with [`SecurityDescriptor::dacl_present`] false, or a NULL DACL (present, offset 0).
    pub dacl: Option<Acl>,
    pub dacl_present: bool,
}

pub const SE_DACL_PRESENT: u16 = 0x0004;
pub const SE_SELF_RELATIVE: u16 = 0x8000;

/// Where and why a security descriptor could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdError {
    pub at: usize,
    pub message: String,
    pub truncated: bool,
}

fn sd_err(at: usize, truncated: bool, message: impl Into<String>) -> SdError {
    SdError {
        at,
        message: message.into(),
        truncated,
    }
}

/// A SID at `at`, which must end by `end`; returns the SID and its length.
pub fn parse_sid(data: &[u8], at: usize, end: usize) -> Result<(Sid, usize), SdError> {
    let end = end.min(data.len());
    if at.checked_add(8).is_none_or(|e| e > end) {
        return Err(sd_err(at, true, "SID header runs past its end"));
    }
    let revision = data[at];
    let count = data[at + 1] as usize;
    if revision != 1 {
        return Err(sd_err(
            at,
            false,
            format!("SID revision {revision} (expected 1)"),
        ));
    }
    if count > 15 {
        return Err(sd_err(
            at,
            false,
            format!("SID with {count} sub-authorities (at most 15)"),
        ));
    }
    let len = 8 + 4 * count;
    if at + len > end {
        return Err(sd_err(
            at,
            true,
            format!("SID with {count} sub-authorities ({len} bytes) runs past its end"),
        ));
    }
    let authority = data[at + 2..at + 8]
        .iter()
        .fold(0u64, |a, &b| (a << 8) | b as u64);
    let sub_authorities = (0..count)
        .map(|i| u32_at(data, at + 8 + 4 * i).unwrap_or(0))
        .collect();
    Ok((
        Sid {
            revision,
            authority,
            sub_authorities,
        },
        len,
    ))
}

/// An ACL at `at` of a security descriptor.
pub fn parse_acl(data: &[u8], at: usize) -> Result<Acl, SdError> {
    if at.checked_add(8).is_none_or(|e| e > data.len()) {
        return Err(sd_err(at, true, "ACL header runs past the end of the data"));
    }
    let revision = data[at];
    let size = u16_at(data, at + 2).unwrap_or(0);
    let count = u16_at(data, at + 4).unwrap_or(0);
    if !(2..=4).contains(&revision) {
        return Err(sd_err(
            at,
            false,
            format!("ACL revision {revision} (expected 2 or 4)"),
        ));
    }
    if (size as usize) < 8 {
        return Err(sd_err(
            at,
            false,
            format!("ACL size {size} is smaller than its 8-byte header"),
        ));
    }
    let end = at + size as usize;
    if end > data.len() {
        return Err(sd_err(
            at,
            true,
            format!(
                "ACL size {size} runs past the end of the data ({} bytes left)",
                data.len() - at
            ),
        ));
    }
    let mut aces = Vec::with_capacity((count as usize).min((size as usize - 8) / 8));
    let mut pos = at + 8;
    for i in 0..count {
        let n = i + 1;
        if pos + 4 > end {
            return Err(sd_err(
                pos,
                true,
                format!("the ACL counts {count} ACEs but ACE {n} starts past its {size} bytes"),
            ));
        }
        let ace_type = data[pos];
        let flags = data[pos + 1];
        let ace_size = u16_at(data, pos + 2).unwrap_or(0);
        if (ace_size as usize) < 8 {
            return Err(sd_err(
                pos,
                false,
                format!("ACE {n} has size {ace_size} (at least 8: header and mask)"),
            ));
        }
        let ace_end = pos + ace_size as usize;
        if ace_end > end {
            return Err(sd_err(
                pos,
                true,
                format!("ACE {n} ({ace_size} bytes) runs past the end of its ACL"),
            ));
        }
        let mask = u32_at(data, pos + 4).unwrap_or(0);
        let sid_at = if is_object_ace(ace_type) {
            let obj_flags = u32_at(data, pos + 8).ok_or_else(|| {
                sd_err(pos, true, format!("object ACE {n} too short for its flags"))
            })?;
            pos + 12
                + if obj_flags & 1 != 0 { 16 } else { 0 }
                + if obj_flags & 2 != 0 { 16 } else { 0 }
        } else {
            pos + 8
        };
        let (sid, _) = parse_sid(data, sid_at, ace_end).map_err(|e| SdError {
            message: format!("ACE {n}: {}", e.message),
            ..e
        })?;
        aces.push(Ace {
            offset: pos,
            ace_type,
            flags,
            size: ace_size,
            mask,
            sid,
        });
        pos = ace_end;
    }
    Ok(Acl {
        offset: at,
        revision,
        size,
        aces,
    })
}

/// Parse a self-relative security descriptor.
pub fn parse_security_descriptor(data: &[u8]) -> Result<SecurityDescriptor, SdError> {
    if data.len() < 20 {
        return Err(sd_err(
            data.len(),
            true,
            format!(
                "{} bytes: shorter than the 20-byte security descriptor header",
                data.len()
            ),
        ));
    }
    if data[0] != 1 {
        return Err(sd_err(
            0,
            false,
            format!("security descriptor revision {} (expected 1)", data[0]),
        ));
    }
    let control = u16_at(data, 2).unwrap_or(0);
    if control & SE_SELF_RELATIVE == 0 {
        return Err(sd_err(
            2,
            false,
            format!("control 0x{control:04x} lacks SE_SELF_RELATIVE: not a stored (self-relative) security descriptor"),
        ));
    }
    let offset = |at: usize| u32_at(data, at).unwrap_or(0) as usize;
    let (owner_at, group_at, dacl_at) = (offset(4), offset(8), offset(16));
    let sid_or_none = |field: usize, at: usize, what: &str| -> Result<Option<Sid>, SdError> {
        if at == 0 {
            return Ok(None);
        }
        if at < 20 || at >= data.len() {
            return Err(sd_err(
                field,
                at >= data.len(),
                format!("the {what} offset {at} is outside the descriptor"),
            ));
        }
        parse_sid(data, at, data.len())
            .map(|(s, _)| Some(s))
            .map_err(|e| SdError {
                message: format!("{what}: {}", e.message),
                ..e
            })
    };
    let owner = sid_or_none(4, owner_at, "owner")?;
    let group = sid_or_none(8, group_at, "group")?;
    let dacl_present = control & SE_DACL_PRESENT != 0;
    let dacl = if dacl_present && dacl_at != 0 {
        if dacl_at < 20 || dacl_at >= data.len() {
            return Err(sd_err(
                16,
                dacl_at >= data.len(),
                format!("the DACL offset {dacl_at} is outside the descriptor"),
            ));
        }
        Some(parse_acl(data, dacl_at).map_err(|e| SdError {
            message: format!("DACL: {}", e.message),
            ..e
        })?)
    } else {
        None
    };
    Ok(SecurityDescriptor {
        control,
        owner,
        group,
        dacl,
        dacl_present,
    })
}

/// What a DACL gives one set of SIDs for one access right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessDecision {
    pub granted: bool,
    /// The deciding ACE (`None`: no DACL, or no ACE mentions the right).
    pub ace: Option<Ace>,
    /// Why, in words.
    pub why: String,
}

fn ace_kind(t: u8) -> &'static str {
    match t {
        ACCESS_ALLOWED_ACE_TYPE => "allow",
        ACCESS_DENIED_ACE_TYPE => "deny",
        _ => "other",
    }
}

/// Evaluate `right` for a caller holding `sids` (strings such as `S-1-5-7`), the way an access
/// check walks a DACL ([MS-DTYP] 2.5.3.2). `Err` when an ACE that an access check would have to
/// evaluate with information nullsight does not have (a conditional or object ACE for one of the
/// SIDs with the right) comes before the decision.
pub fn access(
    sd: &SecurityDescriptor,
    sids: &[&str],
    right: u32,
) -> Result<AccessDecision, String> {
    let Some(dacl) = &sd.dacl else {
        return Ok(AccessDecision {
            granted: true,
            ace: None,
            why: "the security descriptor has no DACL (a NULL DACL): every caller gets every right"
                .into(),
        });
    };
    for ace in &dacl.aces {
        if ace.flags & INHERIT_ONLY_ACE != 0 || ace.mask & right == 0 {
            continue;
        }
        let sid = ace.sid.to_string();
        if !sids.iter().any(|s| s.eq_ignore_ascii_case(&sid)) {
            continue;
        }
        match ace.ace_type {
            ACCESS_ALLOWED_ACE_TYPE | ACCESS_DENIED_ACE_TYPE => {
                let granted = ace.ace_type == ACCESS_ALLOWED_ACE_TYPE;
                return Ok(AccessDecision {
                    granted,
                    why: format!(
                        "the first ACE for {sid} with 0x{right:x} is a{} {} ACE (mask 0x{:x}) at byte {}",
                        if granted { "n" } else { "" },
                        ace_kind(ace.ace_type),
                        ace.mask,
                        ace.offset
                    ),
                    ace: Some(ace.clone()),
                });
            }
            t if matches!(t, 0x05 | 0x06 | 0x09 | 0x0A | 0x0B | 0x0C) => {
                return Err(format!(
                    "the ACE at byte {} for {sid} (type 0x{t:02x}, an object or conditional ACE) would decide, and nullsight does not evaluate that type",
                    ace.offset
                ));
            }
            _ => {}
        }
    }
    Ok(AccessDecision {
        granted: false,
        ace: None,
        why: format!(
            "no ACE for {} grants or denies 0x{right:x}: not granted",
            sids.join(" or ")
        ),
    })
}

/// Anonymous SID/name translation from the LSA policy object's security descriptor: whether
/// ANONYMOUS LOGON gets POLICY_LOOKUP_NAMES.
pub fn anonymous_lookup(sd: &SecurityDescriptor) -> Result<AccessDecision, String> {
    access(sd, &[ANONYMOUS_LOGON], POLICY_LOOKUP_NAMES)
}

/// Writers for tests, seeds and the lab: the same bytes the formats above describe.
pub mod build {
    use super::{Layout, CATEGORIES, HEADER};

    /// A PolAdtEv value in `layout`, every subcategory set by `setting(category, index)`.
    pub fn poladtev(layout: &Layout, setting: impl Fn(&str, &str) -> u16) -> Vec<u8> {
        let mut v = Vec::with_capacity(layout.size());
        v.extend(0x100u16.to_le_bytes());
        v.extend(0u16.to_le_bytes());
        v.extend((layout.counts.len() as u32).to_le_bytes());
        v.extend((layout.counts_offset() as u32).to_le_bytes());
        debug_assert_eq!(v.len(), HEADER);
        for (ci, &n) in layout.counts.iter().enumerate() {
            for s in &CATEGORIES[ci].1[..n as usize] {
                v.extend(setting(CATEGORIES[ci].0, s.guid).to_le_bytes());
            }
        }
        v.extend(0u16.to_le_bytes());
        for c in layout.counts {
            v.extend(c.to_le_bytes());
        }
        v
    }

    /// A SID's bytes from `S-1-…` text (`None` if it is not one).
    pub fn sid(text: &str) -> Option<Vec<u8>> {
        let mut parts = text.strip_prefix("S-")?.split('-');
        let rev: u8 = parts.next()?.parse().ok()?;
        let auth: u64 = parts.next()?.parse().ok()?;
        let subs: Vec<u32> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let mut v = vec![rev, subs.len() as u8];
        v.extend(&auth.to_be_bytes()[2..]);
        for s in subs {
            v.extend(s.to_le_bytes());
        }
        Some(v)
    }

    /// An ACE: (type, flags, mask, SID text).
    pub fn ace(ty: u8, flags: u8, mask: u32, sid_text: &str) -> Vec<u8> {
        let sid = sid(sid_text).unwrap_or_default();
        let size = 8 + sid.len();
        let mut v = vec![ty, flags];
        v.extend((size as u16).to_le_bytes());
        v.extend(mask.to_le_bytes());
        v.extend(sid);
        v
    }

    /// A self-relative security descriptor: owner, group, and a DACL made of `aces`
    /// (`None`: no DACL).
    pub fn security_descriptor(owner: &str, group: &str, aces: Option<&[Vec<u8>]>) -> Vec<u8> {
        let owner = sid(owner).unwrap_or_default();
        let group = sid(group).unwrap_or_default();
        let mut control: u16 = 0x8000;
        let mut v = vec![1u8, 0];
        let owner_at = 20u32;
        let group_at = owner_at + owner.len() as u32;
        let dacl_at = group_at + group.len() as u32;
        if aces.is_some() {
            control |= 0x0004;
        }
        v.extend(control.to_le_bytes());
        v.extend(owner_at.to_le_bytes());
        v.extend(group_at.to_le_bytes());
        v.extend(0u32.to_le_bytes());
        v.extend(if aces.is_some() { dacl_at } else { 0 }.to_le_bytes());
        v.extend(owner);
        v.extend(group);
        if let Some(aces) = aces {
            let size = 8 + aces.iter().map(Vec::len).sum::<usize>();
            v.extend([2u8, 0]);
            v.extend((size as u16).to_le_bytes());
            v.extend((aces.len() as u16).to_le_bytes());
            v.extend([0u8, 0]);
            for a in aces {
                v.extend(a);
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn layouts_match_the_sizes_regripper_gives() {
        // RegRipper auditpol.pl: length and the u16 at offset 8 (the counts offset).
        let rr = [
            (138, 0x78, [5, 9, 12, 3, 4, 6, 6, 4, 4]),
            (0x90, 0x7e, [5, 10, 14, 3, 4, 6, 6, 4, 4]),
            (0x92, 0x80, [5, 10, 14, 3, 5, 6, 6, 4, 4]),
            (148, 0x82, [5, 11, 14, 3, 5, 6, 6, 4, 4]),
            (0x96, 0x84, [5, 11, 14, 3, 6, 6, 6, 4, 4]),
        ];
        for (size, off, counts) in rr {
            let l = LAYOUTS.iter().find(|l| l.counts == counts).unwrap();
            assert_eq!((l.size(), l.counts_offset()), (size, off), "{}", l.windows);
        }
        for l in LAYOUTS {
            for (ci, &n) in l.counts.iter().enumerate() {
                assert!(n as usize <= CATEGORIES[ci].1.len());
            }
            for &(c, i) in l.contested {
                assert!(i < l.counts[c] as usize);
            }
        }
    }

    #[test]
    fn the_known_layouts_round_trip_and_others_are_named() {
        for l in LAYOUTS {
            let data = poladtev(l, |_, g| (g.as_bytes()[8] % 4) as u16);
            let p = decode_poladtev(&data).unwrap();
            assert_eq!(p.settings.len() + p.contested.len(), l.values());
            for s in &p.settings {
                assert_eq!(s.setting, (s.subcategory.guid.as_bytes()[8] % 4) as u32);
            }
        }
        // counts no source describes (one Account Logon subcategory fewer)
        let fake = Layout {
            counts: [5, 11, 14, 3, 6, 6, 6, 4, 3],
            ..LAYOUTS[5]
        };
        let data = poladtev(&fake, |_, _| 0);
        assert_eq!(
            decode_poladtev(&data).unwrap_err(),
            PolAdtEvError::Unrecognised {
                len: 148,
                counts: vec![5, 11, 14, 3, 6, 6, 6, 4, 3]
            }
        );
    }

    #[test]
    fn malformed_poladtev() {
        let l = &LAYOUTS[5];
        let good = poladtev(l, |_, _| 1);
        for cut in [0, 11, 12, 100, 149] {
            match decode_poladtev(&good[..cut]) {
                Err(PolAdtEvError::Malformed { truncated, .. }) => assert!(truncated, "{cut}"),
                other => panic!("{cut}: {other:?}"),
            }
        }
        let mut long = good.clone();
        long.extend([0, 0]);
        assert!(matches!(
            decode_poladtev(&long),
            Err(PolAdtEvError::Malformed {
                truncated: false,
                ..
            })
        ));
        let mut b = good.clone();
        b[4..8].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(
            decode_poladtev(&b),
            Err(PolAdtEvError::Malformed { at: 4, .. })
        ));
        let mut b = good.clone();
        b[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_poladtev(&b).is_err());
        let mut b = good.clone();
        b[0x16] = 9; // Logon
        let p = decode_poladtev(&b).unwrap();
        assert_eq!(p.bad_values[0].0.name, "Logon");
        assert_eq!(p.bad_values[0].2, 0x16);
    }

    #[test]
    fn sids_and_acls() {
        let (s, n) = parse_sid(&sid("S-1-5-32-544").unwrap(), 0, 16).unwrap();
        assert_eq!((s.to_string(), n), ("S-1-5-32-544".to_string(), 16));
        assert!(parse_sid(&[1, 16, 0, 0, 0, 0, 0, 5], 0, 8).is_err());
        assert!(parse_sid(&[2, 0, 0, 0, 0, 0, 0, 5], 0, 8).is_err());
        assert!(parse_sid(&[1, 1, 0, 0, 0, 0, 0, 5, 7, 0], 0, 10).is_err());
        let sd = security_descriptor(
            "S-1-5-32-544",
            "S-1-5-18",
            Some(&[
                ace(1, 0, 0x800, ANONYMOUS_LOGON),
                ace(0, 0, 0x801, ANONYMOUS_LOGON),
            ]),
        );
        let p = parse_security_descriptor(&sd).unwrap();
        assert_eq!(p.owner.unwrap().to_string(), "S-1-5-32-544");
        assert_eq!(p.dacl.as_ref().unwrap().aces.len(), 2);
        let d = anonymous_lookup(&parse_security_descriptor(&sd).unwrap()).unwrap();
        assert!(!d.granted, "{}", d.why);
    }
}
