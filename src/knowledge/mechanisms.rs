//! Security mechanism OIDs (SPNEGO mechTypes, NTLM operational `MechanismOID`) and the
//! `LmPackageName` values of 4624/4625. Reference B.6 and B.7.

/// A mechanism object identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oid {
    pub oid: &'static str,
    pub name: &'static str,
    pub meaning: &'static str,
}

pub const NTLMSSP: &str = "1.3.6.1.4.1.311.2.2.10";
pub const KERBEROS_V5: &str = "1.2.840.113554.1.2.2";
pub const MS_KERBEROS: &str = "1.2.840.48018.1.2.2";
pub const KERBEROS_U2U: &str = "1.2.840.113554.1.2.2.3";
pub const SPNEGO: &str = "1.3.6.1.5.5.2";
pub const NEGOEX: &str = "1.3.6.1.4.1.311.2.2.30";
pub const IAKERB: &str = "1.3.6.1.5.2.5";

/// The known mechanisms.
pub static MECHANISMS: &[Oid] = &[
    Oid { oid: NTLMSSP, name: "NTLMSSP", meaning: "NTLM security support provider (DER 06 0A 2B 06 01 04 01 82 37 02 02 0A); the normal MechanismOID of NTLM operational events." },
    Oid { oid: KERBEROS_V5, name: "Kerberos V5", meaning: "Kerberos V5 (RFC 4121 GSS-API mechanism)." },
    Oid { oid: MS_KERBEROS, name: "MS Kerberos", meaning: "Microsoft's legacy \"truncated\" Kerberos OID (MS-KILE 3.1.1.7)." },
    Oid { oid: KERBEROS_U2U, name: "Kerberos user-to-user", meaning: "Kerberos user-to-user authentication." },
    Oid { oid: SPNEGO, name: "SPNEGO", meaning: "SPNEGO (Negotiate): picks Kerberos or NTLM." },
    Oid { oid: NEGOEX, name: "NEGOEX", meaning: "NEGOEX, the SPNEGO extended negotiation (PKU2U, cloud Kerberos)." },
    Oid { oid: IAKERB, name: "IAKERB", meaning: "IAKERB: Kerberos proxied through the application server." },
];

/// The mechanism with this dotted OID (surrounding whitespace ignored).
pub fn lookup(oid: &str) -> Option<&'static Oid> {
    let oid = oid.trim();
    MECHANISMS.iter().find(|m| m.oid == oid)
}

/// An `LmPackageName` value of 4624/4625.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LmPackage {
    pub name: &'static str,
    pub meaning: &'static str,
}

pub const NTLM_V1: &str = "NTLM V1";
pub const NTLM_V2: &str = "NTLM V2";
pub const LM: &str = "LM";

/// The values Windows writes in `LmPackageName`.
pub static LM_PACKAGES: &[LmPackage] = &[
    LmPackage { name: NTLM_V1, meaning: "NTLMv1 was used (weak; crackable). Null-session (ANONYMOUS LOGON) network logons also report NTLM V1: do not count those as NTLMv1 use." },
    LmPackage { name: NTLM_V2, meaning: "NTLMv2 was used." },
    LmPackage { name: LM, meaning: "LAN Manager authentication was used (obsolete and trivially crackable)." },
    LmPackage { name: "-", meaning: "Not NTLM: Kerberos, or Negotiate that selected Kerberos (filled in only for AuthenticationPackageName NTLM)." },
];

/// The `LmPackageName` value (case-insensitive, trimmed; an empty string counts as `-`).
pub fn lm_package(s: &str) -> Option<&'static LmPackage> {
    let s = s.trim();
    let s = if s.is_empty() { "-" } else { s };
    LM_PACKAGES.iter().find(|p| p.name.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn unique() {
        let oids: HashSet<_> = MECHANISMS.iter().map(|m| m.oid).collect();
        assert_eq!(oids.len(), MECHANISMS.len(), "duplicate OID");
        let names: HashSet<_> = LM_PACKAGES.iter().map(|p| p.name).collect();
        assert_eq!(names.len(), LM_PACKAGES.len(), "duplicate LmPackageName");
    }

    #[test]
    fn lookups() {
        assert_eq!(NTLMSSP, "1.3.6.1.4.1.311.2.2.10");
        assert_eq!(lookup(NTLMSSP).unwrap().name, "NTLMSSP");
        assert_eq!(lookup(" 1.2.840.48018.1.2.2 ").unwrap().name, "MS Kerberos");
        assert_eq!(lookup("1.3.6.1.4.1.311.2.2.30").unwrap().name, "NEGOEX");
        assert!(lookup("1.3.6.1.4.1.311.2.2").is_none());
    }

    #[test]
    fn lm_packages() {
        assert_eq!(lm_package("NTLM V1").unwrap().name, NTLM_V1);
        assert_eq!(lm_package("ntlm v2 ").unwrap().name, NTLM_V2);
        assert_eq!(lm_package("LM").unwrap().name, LM);
        assert_eq!(lm_package("-").unwrap().name, "-");
        assert_eq!(lm_package("").unwrap().name, "-");
        assert!(lm_package("NTLM V1")
            .unwrap()
            .meaning
            .contains("Null-session"));
        assert!(lm_package("Kerberos").is_none());
    }
}
