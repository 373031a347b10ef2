//! `nullsight fix`: write the hardening and its rollback per host (or role).
use super::simulate::{baseline_changes, read_configs};
use crate::baseline::Baseline;
use crate::policy::settings::Role;
use crate::remediate::{self, current_of, Current, HostFix, Target};
use crate::simulate::{parse_set, short_host, Scope};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

const LONG_ABOUT: &str = "\
Write the fix for the settings a baseline fails (or the --set changes), with a way back.

With --config, one folder per host under --out: the rules of --baseline (or of the built-in
baseline for the host's role) that the host fails, set to the value that makes them pass, and the
host's current values for the rollback. Without --config, one folder per role (--role, or the
baseline's role) with every rule of the baseline; the rollback then removes the values (the
Windows default) because the originals are not known, and harden.ps1 saves the real ones.

FILES (in OUT/<host or role>/):
  harden.reg / rollback.reg     registry values (rollback deletes values that were absent: \"Name\"=-)
  Registry.pol / rollback.pol   the same for a GPO's Machine folder (rollback uses **del.)
  harden.inf / rollback.inf     secedit template for [System Access] and [Privilege Rights]
                                (LSAAnonymousNameLookup, EnableGuestAccount, user rights)
  harden.ps1 / rollback.ps1     saves the current values (backup.json, backup-secedit.inf,
                                backup-auditpol.csv) once, applies only what differs, supports
                                -WhatIf and -Verbose; rollback restores the backup
  README.txt                    how to apply each and roll back

Every value comes from the settings catalogue and validated values; values that cannot be written
safely (non-ASCII, quotes, commas in list items) are refused.

Simulate first: `nullsight simulate --logs ... --config ... --baseline ...` says what each change
would break and in which order to apply them.

EXIT STATUS:
  0  every file was written and every input read
  1  nothing could run (bad arguments, unsafe value, unwritable output) for any host
  3  files were written, but some configuration input could not be read, or some host's files
     were not (a value that cannot be written safely, or an unwritable folder: see stderr)";

#[derive(Debug, Args)]
#[command(about = "Write .reg, PowerShell, INF and Registry.pol files (and their rollback) for a baseline or --set changes", long_about = LONG_ABOUT)]
pub struct FixArgs {
    /// Configuration files or folders: the hosts, their roles and current values.
    #[arg(long = "config", value_name = "PATH", num_args = 1..)]
    pub config: Vec<PathBuf>,
    /// Baseline: cis-dc, cis-member, cis-workstation or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: Option<String>,
    /// A change to make, SETTING=VALUE (repeatable; applies to every host written).
    #[arg(long = "set", value_name = "SETTING=VALUE")]
    pub set: Vec<String>,
    /// Role (without --config: the folder written; with it: overrides the detected role).
    #[arg(long, value_enum)]
    pub role: Option<Role>,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: FixArgs) -> anyhow::Result<ExitCode> {
    let fixed = match &args.baseline {
        Some(b) => Some(Baseline::load(b)?),
        None => None,
    };
    let mut sets = Vec::new();
    for s in &args.set {
        sets.push(parse_set(s, Scope::All)?);
    }
    let (configs, errors) = read_configs(&args.config, args.role);
    for e in &errors {
        to_stderr!("nullsight: {e}");
    }
    if !args.config.is_empty() && configs.is_empty() {
        anyhow::bail!("no configuration could be read from --config");
    }
    let mut fixes = Vec::new();
    if configs.is_empty() {
        let Some(role) = args.role.or(fixed.as_ref().and_then(|b| b.role)) else {
            anyhow::bail!("without --config, say which role to write for: --role dc|member|workstation (or a baseline with a role)");
        };
        let (changes, notes) = if fixed.is_some() {
            baseline_changes(&[], fixed.as_ref(), Some(role))?
        } else {
            (Vec::new(), Vec::new())
        };
        let mut targets: Vec<Target> = Vec::new();
        for c in changes.into_iter().chain(sets.iter().cloned()) {
            targets.retain(|t| t.setting.name != c.setting.name);
            targets.push(Target {
                setting: c.setting,
                value: c.value,
                current: Current::Unknown,
            });
        }
        fixes.push(HostFix {
            name: role.to_string(),
            role: Some(role),
            targets,
            notes,
        });
    } else {
        let (changes, notes) = if fixed.is_some() || sets.is_empty() {
            baseline_changes(&configs, fixed.as_ref(), args.role)?
        } else {
            (Vec::new(), Vec::new())
        };
        for h in &configs {
            let short = short_host(&h.name).unwrap_or_else(|| h.name.clone());
            let mut targets: Vec<Target> = Vec::new();
            for c in changes
                .iter()
                .filter(|c| matches!(&c.scope, Scope::Hosts(l) if l.contains(&short)))
                .chain(sets.iter())
            {
                targets.retain(|t| t.setting.name != c.setting.name);
                targets.push(Target {
                    setting: c.setting,
                    value: c.value.clone(),
                    current: current_of(h, c.setting),
                });
            }
            fixes.push(HostFix {
                name: h.name.clone(),
                role: Some(h.role),
                targets,
                notes: notes.clone(),
            });
        }
    }
    let mut refused = 0usize;
    let to_write = fixes.iter().filter(|f| !f.targets.is_empty()).count();
    for f in &fixes {
        if f.targets.is_empty() {
            println!("{}: nothing to change", remediate::safe_name(&f.name));
            continue;
        }
        // A value one host's files hold that cannot be written safely (its rollback would have
        // to carry it) stops that host's files, not the other hosts'.
        let written = match remediate::write(&args.out, f) {
            Ok(w) => w,
            Err(e) if refused + 1 < to_write => {
                to_stderr!(
                    "nullsight: {}: no files written: {e:#}",
                    remediate::safe_name(&f.name)
                );
                refused += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        println!(
            "{}: {} change(s)",
            remediate::safe_name(&f.name),
            f.targets.len()
        );
        for p in written {
            println!("  {}", p.display());
        }
    }
    Ok(ExitCode::from(if errors.is_empty() && refused == 0 {
        super::EXIT_OK
    } else {
        super::EXIT_INPUT_ERRORS
    }))
}
