//! Thresholds and time windows of the analysis, with documented defaults.
//!
//! Every value can be set from the command line (`nullsight scan --brute-force-threshold 50`)
//! or from a TOML file (`--analysis-config FILE`, keys as below, all optional):
//!
//! ```toml
//! brute_force_threshold = 20
//! brute_force_window_secs = 300
//! ```

use serde::{Deserialize, Serialize};

/// Analysis settings. `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// brute-force: failed logons for one account from one source on one host, within
    /// `brute_force_window_secs`. Default 20 in 300 s.
    pub brute_force_threshold: u64,
    pub brute_force_window_secs: i64,
    /// password-spray: distinct accounts tried by one source (failures, or 4648 explicit
    /// credentials by one process owner) within `password_spray_window_secs`. Default 10 in 3600 s.
    pub password_spray_accounts: u64,
    pub password_spray_window_secs: i64,
    /// user-enumeration: distinct non-existent accounts (STATUS_NO_SUCH_USER) tried by one
    /// source within `user_enumeration_window_secs`. Default 10 in 600 s.
    pub user_enumeration_accounts: u64,
    pub user_enumeration_window_secs: i64,
    /// enumeration scenario / null-session-enumeration: anonymous logons from one source to
    /// one host within `anonymous_burst_window_secs`. Default 5 in 60 s.
    pub anonymous_burst_threshold: u64,
    pub anonymous_burst_window_secs: i64,
    /// default_session: service logons of SYSTEM / LOCAL SERVICE / NETWORK SERVICE on the same
    /// host this close to an anonymous logon without a client mark a startup. Default 60 s.
    pub startup_window_secs: i64,
    /// zerologon: anonymous logons on a DC this close to a Zerologon 4742 belong to the attack.
    /// Default 600 s.
    pub zerologon_window_secs: i64,
    /// sql_server_anonymous: anonymous logons on a SQL host this close to an 18456 for
    /// ANONYMOUS LOGON. Default 120 s.
    pub sql_window_secs: i64,
    /// Cross-host correlation (client 8001 ↔ server 4624/8002/8003 ↔ DC 4776/8004): events
    /// this close are joined. Default 120 s (allow for clock skew between hosts).
    pub correlation_window_secs: i64,
    /// Evidence records kept per finding, flow and correlation (the earliest ones; the total
    /// count is always kept). Default 20.
    pub evidence_cap: usize,
    /// Named pipes whose opening by an anonymous session counts as reconnaissance.
    pub recon_pipes: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            brute_force_threshold: 20,
            brute_force_window_secs: 300,
            password_spray_accounts: 10,
            password_spray_window_secs: 3600,
            user_enumeration_accounts: 10,
            user_enumeration_window_secs: 600,
            anonymous_burst_threshold: 5,
            anonymous_burst_window_secs: 60,
            startup_window_secs: 60,
            zerologon_window_secs: 600,
            sql_window_secs: 120,
            correlation_window_secs: 120,
            evidence_cap: 20,
            recon_pipes: [
                "samr", "lsarpc", "srvsvc", "netlogon", "wkssvc", "lsass", "efsrpc", "spoolss",
                "winreg", "browser",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

impl Config {
    /// Read a TOML file; missing keys keep their defaults, unknown keys are an error.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let c: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        c.validate()?;
        Ok(c)
    }

    /// Windows must be positive and thresholds at least 1.
    pub fn validate(&self) -> Result<(), String> {
        let windows = [
            ("brute_force_window_secs", self.brute_force_window_secs),
            (
                "password_spray_window_secs",
                self.password_spray_window_secs,
            ),
            (
                "user_enumeration_window_secs",
                self.user_enumeration_window_secs,
            ),
            (
                "anonymous_burst_window_secs",
                self.anonymous_burst_window_secs,
            ),
            ("startup_window_secs", self.startup_window_secs),
            ("zerologon_window_secs", self.zerologon_window_secs),
            ("sql_window_secs", self.sql_window_secs),
            ("correlation_window_secs", self.correlation_window_secs),
        ];
        for (name, v) in windows {
            if v <= 0 {
                return Err(format!(
                    "{name} must be a positive number of seconds (got {v})"
                ));
            }
        }
        let thresholds = [
            ("brute_force_threshold", self.brute_force_threshold),
            ("password_spray_accounts", self.password_spray_accounts),
            ("user_enumeration_accounts", self.user_enumeration_accounts),
            ("anonymous_burst_threshold", self.anonymous_burst_threshold),
        ];
        for (name, v) in thresholds {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        if self.evidence_cap == 0 {
            return Err("evidence_cap must be at least 1".into());
        }
        Ok(())
    }

    pub fn is_recon_pipe(&self, pipe: &str) -> bool {
        let p = pipe
            .trim_start_matches('\\')
            .rsplit('\\')
            .next()
            .unwrap_or(pipe);
        self.recon_pipes.iter().any(|r| r.eq_ignore_ascii_case(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_and_rejects() {
        let c = Config::from_toml("brute_force_threshold = 3\n").unwrap();
        assert_eq!(c.brute_force_threshold, 3);
        assert_eq!(c.password_spray_accounts, 10);
        assert!(Config::from_toml("brute_force_treshold = 3\n").is_err());
        assert!(Config::from_toml("startup_window_secs = 0\n").is_err());
        assert!(Config::default().is_recon_pipe("\\PIPE\\samr"));
        assert!(Config::default().is_recon_pipe("LSARPC"));
        assert!(!Config::default().is_recon_pipe("atsvc"));
    }
}
