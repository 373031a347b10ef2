//! Configuration inputs as given on a command line (files and folders) → read sources → hosts.
//!
//! One code path for every command that takes configuration (`audit`, `simulate`, `fix`,
//! `report --config`, `scan --config`): folders are walked in name order, files that are not
//! configuration are skipped (and noted) when found in a folder, and every problem, whether it
//! stopped a file or only part of it, becomes a [`ConfigError`] naming the file and the place.

use super::host::{build_hosts, HostConfig, HostOptions, SourceInput};
use super::{sanitize, PolicyError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A configuration input that could not be read, fully or in part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    pub file: String,
    /// Where in the file (line, row, byte offset, hive key), when the problem has a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The whole message, `FILE: PLACE: reason` (control characters replaced).
    pub message: String,
}

impl ConfigError {
    pub fn of(e: &PolicyError) -> Self {
        ConfigError {
            file: e.file().display().to_string(),
            place: e.place().map(|p| sanitize(&p.to_string())),
            message: sanitize(&e.to_string()),
        }
    }
}

/// Every file read from the inputs, with every problem and note.
#[derive(Debug, Default)]
pub struct ConfigInputs {
    pub sources: Vec<SourceInput>,
    /// Files that could not be read, then the problems inside the files that were.
    pub errors: Vec<ConfigError>,
    /// Not errors: files skipped in folders, dirty hives, undecoded SECURITY hives.
    pub notes: Vec<String>,
}

/// The inputs grouped into hosts.
#[derive(Debug, Default)]
pub struct ConfigRead {
    pub hosts: Vec<HostConfig>,
    pub errors: Vec<ConfigError>,
    pub notes: Vec<String>,
}

fn is_config_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "reg" | "inf" | "pol" | "csv")
        || matches!(name.as_str(), "system" | "security" | "software" | "sam")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type()?;
        if ft.is_symlink() {
            continue;
        }
        if ft.is_dir() {
            walk(&e.path(), out, depth + 1)?;
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

fn group_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_owned())
        .or_else(|| {
            p.canonicalize()
                .ok()
                .and_then(|c| c.file_name().map(|n| n.to_owned()))
        })
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Read every input (files, and folders recursively).
pub fn read_inputs(paths: &[PathBuf]) -> ConfigInputs {
    let mut out = ConfigInputs::default();
    let mut in_files = Vec::new();
    for arg in paths {
        let (files, group, walked) = if arg.is_dir() {
            let mut files = Vec::new();
            if let Err(source) = walk(arg, &mut files, 0) {
                out.errors.push(ConfigError::of(&PolicyError::Io {
                    file: arg.clone(),
                    source,
                }));
            }
            (files, group_name(arg), true)
        } else {
            let group = arg
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(group_name)
                .unwrap_or_else(|| group_name(arg));
            (vec![arg.clone()], group, false)
        };
        for f in files {
            match std::fs::metadata(&f) {
                Ok(m) if m.len() > 1 << 30 => {
                    out.errors.push(ConfigError::of(&PolicyError::Malformed {
                        file: f.clone(),
                        place: super::Place::File,
                        message: format!("{} bytes: larger than 1 GiB, not read", m.len()),
                    }));
                    continue;
                }
                _ => {}
            }
            match super::read(&f) {
                Ok(src) => {
                    for n in &src.notes {
                        out.notes.push(format!("{}: {n}", f.display()));
                    }
                    in_files.extend(src.problems.iter().map(ConfigError::of));
                    out.sources.push(SourceInput {
                        source: src,
                        group: group.clone(),
                    });
                }
                Err(PolicyError::UnknownFormat { .. }) if walked && !is_config_name(&f) => {
                    out.notes.push(format!(
                        "{}: skipped (not a configuration file)",
                        f.display()
                    ));
                }
                Err(e) => out.errors.push(ConfigError::of(&e)),
            }
        }
    }
    out.errors.extend(in_files);
    out
}

/// Read every input and group the files into hosts (see [`build_hosts`]).
pub fn read_hosts(paths: &[PathBuf], opts: &HostOptions) -> ConfigRead {
    if paths.is_empty() {
        return ConfigRead::default();
    }
    let inputs = read_inputs(paths);
    ConfigRead {
        hosts: build_hosts(inputs.sources, opts),
        errors: inputs.errors,
        notes: inputs.notes,
    }
}
