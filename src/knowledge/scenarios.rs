//! The causes of ANONYMOUS LOGON and legacy NTLM that nullsight tells apart.
//!
//! The ids are a stable contract: they appear in `--events` output (`scenario`), in the lab
//! generator's sidecar (`episodes[].scenario`) and in tests. See the reference, section E.

/// One scenario: a stable id, a title and what it means for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    /// Whether this scenario concerns an ANONYMOUS LOGON (as opposed to legacy NTLM or attacks on
    /// named accounts).
    pub anonymous: bool,
    pub explanation: &'static str,
}

pub const DEFAULT_SESSION: &str = "default_session";
pub const EXPLICIT_NULL_SESSION: &str = "explicit_null_session";
pub const NO_NETWORK_CREDENTIALS: &str = "no_network_credentials";
pub const NON_DOMAIN_JOINED: &str = "non_domain_joined";
pub const LOCALSYSTEM_FALLBACK: &str = "localsystem_fallback";
pub const SQL_SERVER_ANONYMOUS: &str = "sql_server_anonymous";
pub const ENUMERATION: &str = "enumeration";
pub const ZEROLOGON: &str = "zerologon";
pub const LOCAL_LOOPBACK: &str = "local_loopback";
pub const UNKNOWN: &str = "unknown";
pub const NTLMV1_CLIENT: &str = "ntlmv1_client";
pub const LM_CLIENT: &str = "lm_client";
pub const WEAK_SESSION_KEY: &str = "weak_session_key";
pub const PASSWORD_SPRAY: &str = "password_spray";
pub const BRUTE_FORCE: &str = "brute_force";
pub const USER_ENUMERATION: &str = "user_enumeration";
pub const BACKGROUND: &str = "background";

pub static SCENARIOS: &[Scenario] = &[
    Scenario {
        id: DEFAULT_SESSION,
        title: "Default ANONYMOUS LOGON session at startup",
        anonymous: true,
        explanation: "Windows creates the ANONYMOUS LOGON session (LUID 0x3e6) at boot, like SYSTEM, LOCAL SERVICE and NETWORK SERVICE. No remote client is involved. Benign.",
    },
    Scenario {
        id: EXPLICIT_NULL_SESSION,
        title: "Explicit null session",
        anonymous: true,
        explanation: "A client asked for anonymous access on purpose (for example `net use \\\\host\\IPC$ /user:\"\" \"\"`, or an application hard-coded to use empty credentials). Benign as an admin test; reconnaissance when followed by pipe access.",
    },
    Scenario {
        id: NO_NETWORK_CREDENTIALS,
        title: "Account without network credentials (LOCAL SERVICE)",
        anonymous: true,
        explanation: "LOCAL SERVICE (and other host-only accounts) present anonymous credentials on the network. A service or scheduled task running as LOCAL SERVICE reached this host. Fix the service account, not the server.",
    },
    Scenario {
        id: NON_DOMAIN_JOINED,
        title: "Computer identity from a non-domain-joined host",
        anonymous: true,
        explanation: "SYSTEM or NETWORK SERVICE on a workgroup machine has no domain computer account, so its network access falls back to anonymous.",
    },
    Scenario {
        id: LOCALSYSTEM_FALLBACK,
        title: "LocalSystem NTLM fallback (UseMachineId disabled or pre-Windows 7)",
        anonymous: true,
        explanation: "A LocalSystem service fell back from Kerberos to NTLM and authenticated anonymously because \"Allow Local System to use computer identity for NTLM\" (UseMachineId) is disabled, or the client predates Windows 7 / Server 2008 R2.",
    },
    Scenario {
        id: SQL_SERVER_ANONYMOUS,
        title: "SQL Server login as ANONYMOUS LOGON (double hop or missing SPN)",
        anonymous: true,
        explanation: "SQL Server refused \"NT AUTHORITY\\ANONYMOUS LOGON\": delegation failed on a double hop (linked server, IIS middle tier) or Kerberos fell back to NTLM because of a missing or duplicate SPN.",
    },
    Scenario {
        id: ENUMERATION,
        title: "Null-session enumeration",
        anonymous: true,
        explanation: "An anonymous session opened RPC pipes used for reconnaissance (samr, lsarpc, srvsvc, netlogon...) or came in bursts from one source: enum4linux, rpcclient -N, nmap smb-enum-*, impacket lookupsid.",
    },
    Scenario {
        id: ZEROLOGON,
        title: "Zerologon (CVE-2020-1472)",
        anonymous: true,
        explanation: "ANONYMOUS LOGON changed a domain controller's computer account (4742 with PasswordLastSet), or Netlogon reported vulnerable secure-channel connections (5805, 5827-5831).",
    },
    Scenario {
        id: LOCAL_LOOPBACK,
        title: "Anonymous NTLM from the host itself",
        anonymous: true,
        explanation: "An anonymous network logon from the loopback address: a local process authenticated to the host itself with empty credentials. Local NTLM reflection tools (JuicyPotato, RoguePotato) do this to steal a privileged token.",
    },
    Scenario {
        id: UNKNOWN,
        title: "Anonymous logon, cause not determined",
        anonymous: true,
        explanation: "The evidence does not tell which cause this is. Scan the client's logs (NTLM/Operational 8001) and configuration to decide.",
    },
    Scenario {
        id: NTLMV1_CLIENT,
        title: "Real NTLMv1 client",
        anonymous: false,
        explanation: "A named account authenticated with NTLMv1 (LmPackageName \"NTLM V1\", not a null session). It breaks when the validating host sets LmCompatibilityLevel to 5.",
    },
    Scenario {
        id: LM_CLIENT,
        title: "LAN Manager client",
        anonymous: false,
        explanation: "A named account authenticated with the LM protocol. It breaks at LmCompatibilityLevel 4 or 5.",
    },
    Scenario {
        id: WEAK_SESSION_KEY,
        title: "NTLM session key shorter than 128 bits",
        anonymous: false,
        explanation: "NTLM session security negotiated with a key length other than 128. It breaks when NTLMMinServerSec/NTLMMinClientSec require 128-bit encryption.",
    },
    Scenario {
        id: PASSWORD_SPRAY,
        title: "Password spray",
        anonymous: false,
        explanation: "One source tried few passwords against many accounts.",
    },
    Scenario {
        id: BRUTE_FORCE,
        title: "Brute force",
        anonymous: false,
        explanation: "One source tried many passwords against few accounts.",
    },
    Scenario {
        id: USER_ENUMERATION,
        title: "User enumeration",
        anonymous: false,
        explanation: "One source tried many account names that do not exist (STATUS_NO_SUCH_USER).",
    },
    Scenario {
        id: BACKGROUND,
        title: "Ordinary activity",
        anonymous: false,
        explanation: "Kerberos and NTLMv2 logons, logoffs and privilege assignments of a working network.",
    },
];

/// Look a scenario up by its id.
pub fn lookup(id: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_snake_case() {
        let mut ids: Vec<_> = SCENARIOS.iter().map(|s| s.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), SCENARIOS.len());
        for id in ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
                "{id}"
            );
        }
    }
}
