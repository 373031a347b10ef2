//! Win32 error codes that appear in authentication events, chiefly the `%%N` second insertion
//! string of NETLOGON 5805 ("The session setup from the computer %1 failed to authenticate.
//! The following error occurred: %2"), where `%%5` means ERROR_ACCESS_DENIED.
//!
//! `meaning` is the system message text (winerror.h / MS-ERREF), so it can replace a `%%N`.

use super::{find_code, Code};

pub const ERROR_SUCCESS: u32 = 0;
pub const ERROR_ACCESS_DENIED: u32 = 5;
pub const ERROR_NOT_ENOUGH_MEMORY: u32 = 8;
pub const ERROR_LOGON_FAILURE: u32 = 1326;
pub const ERROR_NO_LOGON_SERVERS: u32 = 1311;
pub const ERROR_NO_SUCH_DOMAIN: u32 = 1355;
pub const RPC_S_SERVER_UNAVAILABLE: u32 = 1722;
pub const ERROR_NO_TRUST_SAM_ACCOUNT: u32 = 1787;
pub const ERROR_TRUSTED_RELATIONSHIP_FAILURE: u32 = 1789;
pub const ERROR_TRUST_FAILURE: u32 = 1790;

/// Errors that matter for logon and secure-channel failures, sorted by value.
pub static WIN32_ERRORS: &[Code] = &[
    Code { code: 0, name: "ERROR_SUCCESS", meaning: "The operation completed successfully." },
    Code { code: 5, name: "ERROR_ACCESS_DENIED", meaning: "Access is denied." },
    Code { code: 8, name: "ERROR_NOT_ENOUGH_MEMORY", meaning: "Not enough storage is available to process this command." },
    Code { code: 53, name: "ERROR_BAD_NETPATH", meaning: "The network path was not found." },
    Code { code: 65, name: "ERROR_NETWORK_ACCESS_DENIED", meaning: "Network access is denied." },
    Code { code: 86, name: "ERROR_INVALID_PASSWORD", meaning: "The specified network password is not correct." },
    Code { code: 1311, name: "ERROR_NO_LOGON_SERVERS", meaning: "There are currently no logon servers available to service the logon request." },
    Code { code: 1317, name: "ERROR_NO_SUCH_USER", meaning: "The specified account does not exist." },
    Code { code: 1326, name: "ERROR_LOGON_FAILURE", meaning: "The user name or password is incorrect." },
    Code { code: 1327, name: "ERROR_ACCOUNT_RESTRICTION", meaning: "Account restrictions are preventing this user from signing in. For example: blank passwords aren't allowed, sign-in times are limited, or a policy restriction has been enforced." },
    Code { code: 1328, name: "ERROR_INVALID_LOGON_HOURS", meaning: "Your account has time restrictions that keep you from signing in right now." },
    Code { code: 1329, name: "ERROR_INVALID_WORKSTATION", meaning: "This user isn't allowed to sign in to this computer." },
    Code { code: 1330, name: "ERROR_PASSWORD_EXPIRED", meaning: "The password for this account has expired." },
    Code { code: 1331, name: "ERROR_ACCOUNT_DISABLED", meaning: "This user can't sign in because this account is currently disabled." },
    Code { code: 1355, name: "ERROR_NO_SUCH_DOMAIN", meaning: "The specified domain either does not exist or could not be contacted." },
    Code { code: 1385, name: "ERROR_LOGON_TYPE_NOT_GRANTED", meaning: "Logon failure: the user has not been granted the requested logon type at this computer." },
    Code { code: 1396, name: "ERROR_WRONG_TARGET_NAME", meaning: "The target account name is incorrect." },
    Code { code: 1398, name: "ERROR_TIME_SKEW", meaning: "There is a time and/or date difference between the client and server." },
    Code { code: 1722, name: "RPC_S_SERVER_UNAVAILABLE", meaning: "The RPC server is unavailable." },
    Code { code: 1786, name: "ERROR_NO_TRUST_LSA_SECRET", meaning: "The workstation does not have a trust secret." },
    Code { code: 1787, name: "ERROR_NO_TRUST_SAM_ACCOUNT", meaning: "The security database on the server does not have a computer account for this workstation trust relationship." },
    Code { code: 1788, name: "ERROR_TRUSTED_DOMAIN_FAILURE", meaning: "The trust relationship between the primary domain and the trusted domain failed." },
    Code { code: 1789, name: "ERROR_TRUSTED_RELATIONSHIP_FAILURE", meaning: "The trust relationship between this workstation and the primary domain failed." },
    Code { code: 1790, name: "ERROR_TRUST_FAILURE", meaning: "The network logon failed." },
    Code { code: 1792, name: "ERROR_NETLOGON_NOT_STARTED", meaning: "An attempt was made to logon, but the network logon service was not started." },
    Code { code: 1793, name: "ERROR_ACCOUNT_EXPIRED", meaning: "The user's account has expired." },
    Code { code: 1807, name: "ERROR_NOLOGON_INTERDOMAIN_TRUST_ACCOUNT", meaning: "The account used is an interdomain trust account. Use your global user account or local user account to access this server." },
    Code { code: 1808, name: "ERROR_NOLOGON_WORKSTATION_TRUST_ACCOUNT", meaning: "The account used is a computer account. Use your global user account or local user account to access this server." },
    Code { code: 1809, name: "ERROR_NOLOGON_SERVER_TRUST_ACCOUNT", meaning: "The account used is a server trust account. Use your global user account or local user account to access this server." },
    Code { code: 1810, name: "ERROR_DOMAIN_TRUST_INCONSISTENT", meaning: "The name or security ID (SID) of the domain specified is inconsistent with the trust information for that domain." },
    Code { code: 1907, name: "ERROR_PASSWORD_MUST_CHANGE", meaning: "The user's password must be changed before signing in." },
    Code { code: 1908, name: "ERROR_DOMAIN_CONTROLLER_NOT_FOUND", meaning: "Could not find the domain controller for this domain." },
    Code { code: 1909, name: "ERROR_ACCOUNT_LOCKED_OUT", meaning: "The referenced account is currently locked out and may not be logged on to." },
    Code { code: 1935, name: "ERROR_AUTHENTICATION_FIREWALL_FAILED", meaning: "The computer you are signing into is protected by an authentication firewall. The specified account is not allowed to authenticate to the computer." },
    Code { code: 1937, name: "ERROR_NTLM_BLOCKED", meaning: "Authentication failed because NTLM authentication has been disabled." },
];

/// The Win32 error with this value, if it is in the table.
pub fn lookup(err: u32) -> Option<&'static Code> {
    find_code(WIN32_ERRORS, err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique() {
        assert_code_table(WIN32_ERRORS);
    }

    #[test]
    fn netlogon_5805_errors() {
        assert_eq!(lookup(5).unwrap().meaning, "Access is denied.");
        assert_eq!(lookup(5).unwrap().name, "ERROR_ACCESS_DENIED");
        for e in [5, 8, 1311, 1326, 1355, 1722, 1787, 1789, 1790] {
            assert!(lookup(e).is_some(), "missing {e}");
        }
        assert_eq!(lookup(1790).unwrap().name, "ERROR_TRUST_FAILURE");
        assert_eq!(
            lookup(1789).unwrap().name,
            "ERROR_TRUSTED_RELATIONSHIP_FAILURE"
        );
        assert_eq!(
            lookup(1722).unwrap().meaning,
            "The RPC server is unavailable."
        );
        assert!(lookup(4).is_none());
    }
}
