//! `lab.json`: what was generated and, per episode, the (file, record id) of each event.

use super::domain::{self, Host};
use super::Role;
use serde::Serialize;

/// The sidecar's format version; bump it on incompatible changes.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Sidecar {
    pub format: u32,
    pub generator: String,
    pub seed: u64,
    pub base_time: String,
    pub window_seconds: u64,
    pub domain: Domain,
    pub hosts: Vec<Host>,
    pub files: Vec<FileInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grown: Option<Grown>,
    pub config: Vec<ConfigFile>,
    pub episodes: Vec<SidecarEpisode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Domain {
    pub netbios: &'static str,
    pub dns: &'static str,
    pub sid: &'static str,
    pub domain_controller: &'static str,
}

/// One generated EVTX file.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    pub file: String,
    pub host: String,
    pub channel: String,
    pub records: u64,
    /// Records that belong to an episode; the others are background.
    pub labelled: u64,
    pub bytes: u64,
}

/// The file `--size` grew.
#[derive(Debug, Clone, Serialize)]
pub struct Grown {
    pub file: String,
    pub target_bytes: u64,
    pub bytes: u64,
    pub background_records_added: u64,
}

/// A configuration export written beside the logs.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    pub file: String,
    pub host: String,
    pub format: &'static str,
    pub shows: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SidecarEpisode {
    pub id: String,
    /// A stable scenario id of `knowledge::scenarios`.
    pub scenario: String,
    pub description: String,
    pub hosts: Vec<String>,
    pub events: Vec<SidecarEvent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SidecarEvent {
    /// Relative to the lab folder, forward slashes.
    pub file: String,
    pub record_id: u64,
    pub event_id: u64,
    pub host: String,
    pub role: Role,
    pub time: String,
}

/// A FILETIME as RFC 3339 UTC with 100 ns precision.
pub fn rfc3339(filetime: u64) -> String {
    let (secs, nanos) = evtx_writer::FileTime(filetime).to_unix();
    jiff::Timestamp::new(secs, nanos as i32)
        .map(|t| format!("{t:.7}"))
        .unwrap_or_default()
}

impl Sidecar {
    pub fn new(
        seed: u64,
        hosts: &[Host],
        files: Vec<FileInfo>,
        grown: Option<Grown>,
        config: Vec<ConfigFile>,
        episodes: Vec<SidecarEpisode>,
    ) -> Sidecar {
        Sidecar {
            format: FORMAT,
            generator: format!("nullsight {} lab", env!("CARGO_PKG_VERSION")),
            seed,
            base_time: rfc3339(evtx_writer::FileTime::from_unix(super::BASE_UNIX, 0).0),
            window_seconds: super::WINDOW_SECONDS,
            domain: Domain {
                netbios: domain::DOMAIN,
                dns: domain::DNS_DOMAIN,
                sid: domain::DOMAIN_SID,
                domain_controller: "DC01",
            },
            hosts: hosts.to_vec(),
            files,
            grown,
            config,
            episodes,
        }
    }
}
