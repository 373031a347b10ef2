//! `nullsight simulate`: what each hardening change would break, from the observed traffic.
use crate::baseline::{self, Baseline};
use crate::policy::host::HostOptions;
use crate::policy::settings::Role;
use crate::policy::HostConfig;
use crate::remediate::target_for;
use crate::report::escape::{csv_cell, terminal};
use crate::scan::{self, NoProgress, ScanOptions};
use crate::simulate::{self, parse_set, Change, Context, Impact, Plan, Scope, Traffic};
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const LONG_ABOUT: &str = "\
Predict, from the traffic the hosts logged, what each hardening change would break, and in which
order to apply the changes so that nothing does.

WHAT IS SIMULATED:
  --set SETTING=VALUE   the changes you give (repeatable; VALUE empty = empty list, - = remove).
                        They apply to --host NAME (repeatable), else to every host of --role,
                        else to every host.
  --baseline NAME|FILE  the baseline's rules. With --config: only the rules each host fails,
                        with the value that makes them pass. Without: every rule of the baseline.
  --config PATH         configuration files (as for `nullsight audit`): the hosts' roles, current
                        values (exception lists, NullSessionPipes...) and audit settings. With
                        --config and neither --set nor --baseline, each host's built-in baseline.

MODELS (setting -> the observed flows it would refuse, and where):
  LmCompatibilityLevel 4/5   4624 with LmPackageName LM (4, 5) or NTLM V1 (5), not anonymous:
                             domain accounts where they are validated (the DCs), local accounts
                             on the server itself. Null sessions log \"NTLM V1\" and are excluded.
  NTLMMinServerSec /         NTLM logons (4624) with KeyLength below 128, when the value
  NTLMMinClientSec           requires 128-bit keys (0x20000000): on the server / from the client.
  RestrictSendingNTLMTraffic 2 = Deny all: the client's 8001 flows not excepted by
                             ClientAllowedNTLMServers; for clients without 8001, their NTLM as
                             servers logged it (4624). 1 = Audit all: blocks nothing.
  RestrictReceivingNTLMTraffic  NTLM 4624 (else 8002) on the server: 1 domain accounts, 2 all.
  RestrictNTLMInDomain       on DCs: 8004 pass-through not excepted by DCAllowedNTLMServers
                             (and 8003 for 3/7); 4776 when the DC has no 8004.
  UseMachineId = 1           LocalSystem fallback (8001 with ClientLUID 0x3e7 and no user, and
                             the anonymous 4624 it causes): those flows change identity.
  allownullsessionfallback=0 the same flows break, unless UseMachineId = 1 is in the change set.
  RestrictAnonymousSAM / RestrictAnonymous / LSAAnonymousNameLookup
                             anonymous 5145 opens of samr / samr+srvsvc (RestrictAnonymous 2:
                             every anonymous access) / lsarpc.
  NullSessionPipes / NullSessionShares / RestrictNullSessAccess
                             anonymous opens of pipes and shares not in the lists (after the
                             change set), when RestrictNullSessAccess is 1.
  EveryoneIncludesAnonymous=0  anonymous access to shares other than IPC$.
  EnableGuestAccount = 0     network logons as the Guest account (RID 501).
  Audit settings             safe: they log, and block nothing.
  Other settings             cannot tell: nullsight has no traffic model for them.

VERDICTS:
  safe now      the auditing that would show the affected traffic is on, and shows none
  breaks N      the flows listed would be refused: who, from where, to where, how often, first
                and last seen, evidence (file and record id), and what to fix first. The
                terminal shows the 20 busiest flows of each change and counts the others;
                --json and --csv list every one
  cannot tell   the auditing that would show the traffic is off (or its logs were not given) on
                the hosts named: the output says what to enable and how. A host counts as audited
                when its logs hold events of that kind, or its configuration shows the auditing on
  already in effect  (JSON \"already-in-effect\") with --config: every host of the change already
                runs with the value, so its traffic was logged under it and nothing breaks. The
                current value is the one set in the host's files, or the Windows default when
                the files that hold the setting's key lack it (not when no file shows the key;
                UseMachineId / allownullsessionfallback defaults only when the Windows version
                is in the files). At least as strict counts: a higher LmCompatibilityLevel,
                RestrictAnonymous, RestrictSending/ReceivingNTLMTraffic or
                AuditReceivingNTLMTraffic; every bit of NTLMMinClientSec / NTLMMinServerSec or
                an audit setting. Hosts where only some are already set are left out of the
                other verdicts (\"in_effect\" in JSON lists them). A host without
                configuration is judged from the traffic alone

PLAN:
  1 turn on the missing auditing; 2 apply the safe changes (UseMachineId and exception lists
  before what relies on them); 3 fix what would break (\"these clients still send NTLMv1\"),
  then apply; 4 re-run simulate for what could not be judged. Changes already in effect are in
  no stage: listed after the plan as done (\"already\" in JSON).

EXIT STATUS:
  0  the simulation ran and every input was read (whatever the verdicts)
  1  nothing could run: bad arguments, a bad baseline or --set, unwritable output
  3  results were written, but some input could not be read (stderr names each)";

#[derive(Debug, Args)]
#[command(about = "Predict what each hardening change would break, from the logged traffic, and plan the order", long_about = LONG_ABOUT, after_long_help = crate::limits_help!())]
pub struct SimulateArgs {
    /// Evidence files or folders (EVTX, XML, JSON Lines), read recursively.
    #[arg(long = "logs", value_name = "PATH", required = true, num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// Configuration files or folders (.reg, INF, Registry.pol, hives, auditpol CSV).
    #[arg(long = "config", value_name = "PATH", num_args = 1..)]
    pub config: Vec<PathBuf>,
    /// Baseline whose rules are the changes: cis-dc, cis-member, cis-workstation or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: Option<String>,
    /// A change to simulate, SETTING=VALUE (repeatable).
    #[arg(long = "set", value_name = "SETTING=VALUE")]
    pub set: Vec<String>,
    /// The role the --set changes (and configs without one) are for.
    #[arg(long, value_enum)]
    pub role: Option<Role>,
    /// The hosts the --set changes are for (repeatable).
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// Write JSON to FILE (`-`: standard output, instead of the table).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub json: Option<PathBuf>,
    /// Write the affected flows as CSV to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub isolation: super::isolation::IsolationArgs,
}

/// Read configuration inputs into hosts, with the messages of the inputs that could not be read
/// (fully or in part).
pub fn read_configs(paths: &[PathBuf], role: Option<Role>) -> (Vec<HostConfig>, Vec<String>) {
    // --role is for hosts whose files do not say their role: a DC's ProductType wins.
    let opts = HostOptions {
        host: None,
        role: None,
        default_role: role,
    };
    let read = crate::policy::read_hosts(paths, &opts);
    (
        read.hosts,
        read.errors.into_iter().map(|e| e.message).collect(),
    )
}

/// The changes: per configured host, the failing rules of its baseline (or `fixed`); without
/// hosts, every rule of `fixed`. Identical changes on several hosts become one.
pub fn baseline_changes(
    hosts: &[HostConfig],
    fixed: Option<&Baseline>,
    role: Option<Role>,
) -> anyhow::Result<(Vec<Change>, Vec<String>)> {
    let mut out: Vec<Change> = Vec::new();
    let mut notes = Vec::new();
    let mut push = |c: Change| {
        if let (Some(existing), Scope::Hosts(new)) = (
            out.iter_mut().find(|x| {
                x.setting.name == c.setting.name
                    && x.value == c.value
                    && matches!(x.scope, Scope::Hosts(_))
            }),
            &c.scope,
        ) {
            if let Scope::Hosts(list) = &mut existing.scope {
                list.extend(new.iter().cloned());
            }
            return;
        }
        out.push(c);
    };
    if hosts.is_empty() {
        let Some(b) = fixed else {
            return Ok((out, notes));
        };
        let scope = match b.role.or(role) {
            Some(r) => Scope::Role(r),
            None => Scope::All,
        };
        let mut done: Vec<&str> = Vec::new();
        for rule in &b.rules {
            if done.contains(&rule.setting.name) {
                continue;
            }
            done.push(rule.setting.name);
            match pick(b, rule.setting.name, None) {
                Ok(value) => push(Change {
                    setting: rule.setting,
                    value,
                    scope: scope.clone(),
                }),
                Err(e) => notes.push(format!("rule skipped: {e}")),
            }
        }
        return Ok((out, notes));
    }
    for h in hosts {
        let b = match fixed {
            Some(b) => b.clone(),
            None => Baseline::embedded(baseline::default_for(h.role))?,
        };
        let compliance = baseline::evaluate(h, &b);
        let name = simulate::short_host(&h.name).unwrap_or_else(|| h.name.clone());
        let mut done: Vec<&str> = Vec::new();
        for rule in &b.rules {
            if done.contains(&rule.setting.name) {
                continue;
            }
            done.push(rule.setting.name);
            if !compliance
                .rows
                .iter()
                .any(|r| r.setting == rule.setting.name && r.status.failed())
            {
                continue;
            }
            let now = h.setting(rule.setting.name).and_then(|r| r.value());
            match pick(&b, rule.setting.name, now) {
                Ok(value) => push(Change {
                    setting: rule.setting,
                    value,
                    scope: Scope::Hosts(vec![name.clone()]),
                }),
                Err(e) => notes.push(format!(
                    "{}: rule skipped: {e}",
                    crate::policy::sanitize(&h.name)
                )),
            }
        }
    }
    Ok((out, notes))
}

/// The value for a setting that satisfies every rule of the baseline about it (a baseline can
/// check one setting twice, e.g. once for hardening and once for audit coverage).
pub fn pick(
    b: &Baseline,
    setting: &str,
    now: Option<&crate::policy::settings::SettingValue>,
) -> Result<Option<crate::policy::settings::SettingValue>, crate::remediate::FixError> {
    let rules: Vec<_> = b
        .rules
        .iter()
        .filter(|r| r.setting.name == setting)
        .collect();
    let mut first_err = None;
    for r in &rules {
        match target_for(r, now) {
            Ok(v) => {
                if rules.iter().all(|x| {
                    baseline::evaluate::check(x.op, &x.expected, v.as_ref()) != Some(false)
                }) {
                    return Ok(v);
                }
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Err(crate::remediate::FixError::Value {
            setting: setting.to_string(),
            why: "its rules contradict each other".into(),
        }),
    }
}

/// The scope of --set changes.
pub fn set_scope(hosts: &[String], role: Option<Role>) -> Scope {
    if !hosts.is_empty() {
        Scope::Hosts(
            hosts
                .iter()
                .filter_map(|h| simulate::short_host(h))
                .collect(),
        )
    } else if let Some(r) = role {
        Scope::Role(r)
    } else {
        Scope::All
    }
}

/// What `simulate --json` writes (and `report` embeds).
#[derive(Serialize)]
pub struct Report<'a> {
    changes: &'a [Impact],
    plan: &'a Plan,
    hosts: Vec<HostSeen>,
    errors: &'a [String],
    notes: &'a [String],
}

impl<'a> Report<'a> {
    pub fn new(
        impacts: &'a [Impact],
        plan: &'a Plan,
        traffic: &Traffic,
        errors: &'a [String],
        notes: &'a [String],
    ) -> Self {
        Report {
            changes: impacts,
            plan,
            hosts: traffic
                .seen
                .iter()
                .map(|(h, m)| HostSeen {
                    host: h.clone(),
                    events: m.clone(),
                })
                .collect(),
            errors,
            notes,
        }
    }
}

/// The changes to simulate: with a baseline (`fixed`), or with configuration and no --set, the
/// rules each host fails (see [`baseline_changes`]); then the --set changes. Also the notes.
pub fn changes_to_simulate(
    configs: &[HostConfig],
    fixed: Option<&Baseline>,
    role: Option<Role>,
    set_changes: Vec<Change>,
) -> anyhow::Result<(Vec<Change>, Vec<String>)> {
    let (mut changes, notes) = if fixed.is_some() || (set_changes.is_empty() && !configs.is_empty())
    {
        baseline_changes(configs, fixed, role)?
    } else {
        (Vec::new(), Vec::new())
    };
    changes.extend(set_changes);
    Ok((changes, notes))
}

/// Each change's impact on the observed traffic, and the staged plan.
pub fn simulate_changes(
    traffic: &Traffic,
    configs: &[HostConfig],
    changes: &[Change],
) -> (Vec<Impact>, Plan) {
    let ctx = Context::new(traffic, configs, changes);
    let impacts = simulate::evaluate_all(&ctx);
    let plan = simulate::plan(&impacts);
    (impacts, plan)
}

#[derive(Serialize)]
struct HostSeen {
    host: String,
    events: std::collections::BTreeMap<simulate::Evidence, u64>,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let fixed = match &args.baseline {
        Some(b) => Some(Baseline::load(b)?),
        None => None,
    };
    let scope = set_scope(&args.hosts, args.role);
    let mut set_changes = Vec::new();
    for s in &args.set {
        set_changes.push(parse_set(s, scope.clone())?);
    }
    let (configs, mut errors) = read_configs(&args.config, args.role);
    if !args.config.is_empty() && configs.is_empty() {
        anyhow::bail!("no configuration could be read from --config");
    }
    let (changes, notes) = changes_to_simulate(&configs, fixed.as_ref(), args.role, set_changes)?;
    if changes.is_empty() {
        if args.set.is_empty() && fixed.is_none() && configs.is_empty() {
            anyhow::bail!("nothing to simulate: give --set SETTING=VALUE, --baseline NAME, or --config files (see --help)");
        }
        to_stderr!("nullsight: no change to simulate: every rule passes");
    }
    // Each reading thread observes the traffic it reads; the states are merged (the merge
    // does not depend on how the events were shared out: tests/simulate_models.rs).
    let observer = scan::Observer {
        new: &Traffic::new,
        observe: Traffic::observe,
        merge: Traffic::merge,
        keep_events: false,
    };
    let opts = ScanOptions {
        paths: args.logs.clone(),
        threads: 0,
    };
    let (reports, traffic) = scan::scan_observed(&opts, &NoProgress, false, &observer, |_| {});
    for r in &reports {
        for e in &r.errors {
            errors.push(crate::policy::sanitize(&format!("{}: {e}", r.file)));
        }
    }
    for e in &errors {
        to_stderr!("nullsight: {e}");
    }
    let (impacts, plan) = simulate_changes(&traffic, &configs, &changes);
    let mut table_to_stdout = true;
    if let Some(path) = &args.json {
        let report = Report::new(&impacts, &plan, &traffic, &errors, &notes);
        table_to_stdout &= super::write_with(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            Ok(w.write_all(b"\n")?)
        })?;
    }
    if let Some(path) = &args.csv {
        table_to_stdout &= super::write_with(path, |w| write_csv(&impacts, w))?;
    }
    if table_to_stdout {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        render(&mut out, &impacts, &plan, &traffic, &notes)?;
        out.flush()?;
    }
    Ok(ExitCode::from(if errors.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_INPUT_ERRORS
    }))
}

fn time(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

fn write_csv(impacts: &[Impact], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "change",
        "scope",
        "verdict",
        "what",
        "account",
        "client",
        "client_ip",
        "logged_on",
        "server",
        "enforced_at",
        "count",
        "first",
        "last",
        "evidence",
        "fix_first",
    ])?;
    for i in impacts {
        for a in &i.affected {
            let ev: Vec<String> = a
                .evidence
                .iter()
                .map(|e| format!("{}#{}", e.file, e.record_id))
                .collect();
            let cells = [
                i.description.clone(),
                i.scope.clone(),
                i.verdict.as_str().to_string(),
                a.what.clone(),
                a.account.clone().unwrap_or_default(),
                a.client.clone().unwrap_or_default(),
                a.client_ip.clone().unwrap_or_default(),
                a.logged_on.clone(),
                a.server.clone().unwrap_or_default(),
                a.enforced_at.clone(),
                a.count.to_string(),
                time(a.first),
                time(a.last),
                ev.join(" "),
                a.remedy.as_ref().map(|r| r.item()).unwrap_or_default(),
            ];
            w.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))?;
        }
    }
    Ok(w.flush()?)
}

fn t(s: &str) -> String {
    terminal(s).into_owned()
}

/// Flows the terminal report lists per change, the busiest; `--json` and `--csv` list them all.
pub const TERMINAL_FLOWS: usize = 20;
/// Items of a plan step (clients or servers to fix first) the terminal report names.
pub const TERMINAL_ITEMS: usize = 50;

/// The terminal report (every string from a log or config is escaped), written change by
/// change: on a log with 100,000 flows it is not held whole in memory.
pub fn render(
    out: &mut dyn Write,
    impacts: &[Impact],
    plan: &Plan,
    traffic: &Traffic,
    notes: &[String],
) -> std::io::Result<()> {
    let mut o = String::new();
    o.push_str(&format!(
        "Observed: {} flows from {} hosts' logs\n\n",
        traffic.flows.len(),
        traffic.seen.len()
    ));
    for i in impacts {
        let verdict = match i.verdict {
            simulate::Verdict::SafeNow => "SAFE NOW".to_string(),
            simulate::Verdict::Breaks => "BREAKS".to_string(),
            simulate::Verdict::CannotTell => "CANNOT TELL".to_string(),
            simulate::Verdict::AlreadyInEffect => "ALREADY IN EFFECT".to_string(),
        };
        o.push_str(&format!(
            "== {} on {}\n   {verdict}: {}\n",
            t(&i.description),
            t(&i.scope),
            t(&i.summary)
        ));
        // The busiest first; among equals, the order of `affected` (by client).
        let mut shown: Vec<&simulate::Affected> = i.affected.iter().collect();
        shown.sort_by_key(|a| std::cmp::Reverse(a.count));
        for a in shown.iter().take(TERMINAL_FLOWS) {
            o.push_str(&format!(
                "   {} {}\n      account {} from {} ({}) on {}{}; enforced at {}\n      {} time(s), first {}, last {}; evidence {}\n",
                if a.breaks { "x" } else { "~" },
                t(&a.what),
                t(a.account.as_deref().unwrap_or("-")),
                t(a.client.as_deref().unwrap_or("-")),
                t(a.client_ip.as_deref().unwrap_or("-")),
                t(&a.logged_on),
                a.server.as_deref().filter(|s| *s != a.logged_on).map(|s| format!(" -> {}", t(s))).unwrap_or_default(),
                t(&a.enforced_at),
                a.count,
                time(a.first),
                time(a.last),
                a.evidence.iter().map(|e| format!("{}#{}", t(&e.file), e.record_id)).collect::<Vec<_>>().join(", ")
            ));
            if let Some(r) = &a.remedy {
                o.push_str(&format!("      fix first: {}\n", t(&r.item())));
            }
        }
        if let Some(more) = shown.get(TERMINAL_FLOWS..).filter(|m| !m.is_empty()) {
            let events: u64 = more.iter().map(|a| a.count).sum();
            o.push_str(&format!(
                "   ... and {} more flow(s), {events} event(s): --csv FILE or --json FILE lists every one\n",
                more.len()
            ));
        }
        for m in &i.missing {
            o.push_str(&format!(
                "   no {} from: {}\n      to know, {}\n",
                m.events,
                t(&m.hosts.join(", ")),
                m.how
            ));
        }
        for n in &i.notes {
            o.push_str(&format!("   note: {}\n", t(n)));
        }
        o.push('\n');
        out.write_all(o.as_bytes())?;
        o.clear();
    }
    o.push_str("== Plan\n");
    for s in &plan.stages {
        o.push_str(&format!("Stage {}: {}\n", s.number, s.title));
        for b in &s.before {
            let mut items = b.items[..b.items.len().min(TERMINAL_ITEMS)].join(", ");
            if b.items.len() > TERMINAL_ITEMS {
                items += &format!(
                    " ... and {} more (--json FILE lists every one)",
                    b.items.len() - TERMINAL_ITEMS
                );
            }
            o.push_str(&format!(
                "  first, {}:\n    {}\n    (for {})\n",
                b.what,
                t(&items),
                t(&b.for_changes.join("; "))
            ));
        }
        for a in &s.apply {
            o.push_str(&format!("  apply {}\n", t(a)));
        }
    }
    if !plan.already.is_empty() {
        o.push_str("Already in effect (nothing to apply):\n");
        for a in &plan.already {
            o.push_str(&format!("  done {}\n", t(a)));
        }
    }
    for n in notes {
        o.push_str(&format!("note: {}\n", t(n)));
    }
    out.write_all(o.as_bytes())
}
