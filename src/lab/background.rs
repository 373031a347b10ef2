//! Ordinary activity (the `background` scenario, unlabelled): service logons at boot,
//! interactive logons, Kerberos and NTLMv2 network logons with their logoffs, admin sessions
//! with 4672, computer accounts refreshing policy on the DC, Application noise. And the
//! [`Filler`] that grows SRV-FILE01's Security log to a size target.

use super::domain::*;
use super::records::{self as r, Account, Logon};
use super::rng::Rng;
use super::scenarios::named_ntlm;
use super::{Lab, Log, BASE_UNIX, BIG_HOST, TICKS, WINDOW_SECONDS};
use evtx_writer::{EventRecord, FileTime, Guid};

const MIN: u64 = 60;

fn guid(rng: &mut Rng) -> Guid {
    let a = rng.next_u64().to_le_bytes();
    let b = rng.next_u64().to_le_bytes();
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&a);
    g[8..].copy_from_slice(&b);
    g[7] = (g[7] & 0x0f) | 0x40;
    g[8] = (g[8] & 0x3f) | 0x80;
    Guid(g)
}

pub(crate) fn all(lab: &mut Lab) {
    services_at_boot(lab);
    workdays(lab);
    admins(lab);
    machine_refresh(lab);
    application(lab);
}

/// SYSTEM, NETWORK SERVICE and LOCAL SERVICE service logons (type 5) a few seconds after boot.
fn services_at_boot(lab: &mut Lab) {
    for host in 0..lab.hosts.len() {
        if !lab.hosts[host].logs {
            continue;
        }
        let at = lab.rng.range(50, 70);
        for (luid, user) in [
            (0x3e7u64, "SYSTEM"),
            (0x3e4, "NETWORK SERVICE"),
            (0x3e5, "LOCAL SERVICE"),
        ] {
            let sid = match luid {
                0x3e7 => "S-1-5-18",
                0x3e4 => "S-1-5-20",
                _ => "S-1-5-19",
            };
            let t = lab.at(at);
            let h = &lab.hosts[host];
            let target = Account {
                sid: sid.into(),
                user: user.into(),
                domain: "NT AUTHORITY".into(),
                logon_id: luid,
            };
            let mut l = Logon::kerberos(target.clone(), Guid::default(), "-", 0);
            l.subject = Account::system(h);
            l.logon_type = 5;
            l.logon_process = "Advapi  ";
            l.auth_package = "Negotiate";
            l.process_id = 600 + lab.rng.range(0, 100) * 4;
            l.process_name = r"C:\Windows\System32\services.exe".into();
            l.port = "-".into();
            l.elevated = true;
            lab.logon_on(None, host, t, &l);
            let tid = lab.tid();
            let rec = r::special(&lab.hosts[host], tid, &target, r::SYSTEM_PRIVILEGES);
            lab.emit(host, Log::Security, t + 1000, rec, None);
        }
    }
}

/// Each workstation user logs on in the morning and works with the servers all day.
fn workdays(lab: &mut Lab) {
    for ws in WORKSTATIONS {
        let user = owner(ws);
        let mut at = 25 * MIN + lab.rng.range(0, 15 * MIN);
        // Interactive logon on the workstation (Kerberos through Negotiate).
        let t = lab.at(at);
        let luid = lab.luid(ws);
        let g = guid(&mut lab.rng);
        let mut l = Logon::kerberos(Account::domain_user(&user, luid), g, "127.0.0.1", 0);
        l.subject = Account::system(&lab.hosts[ws]);
        l.logon_type = 2;
        l.logon_process = "User32 ";
        l.auth_package = "Negotiate";
        l.workstation = lab.hosts[ws].name.into();
        l.process_id = 0x2f0 + lab.rng.range(0, 64) * 4;
        l.process_name = r"C:\Windows\System32\svchost.exe".into();
        l.port = "0".into();
        lab.logon_on(None, ws, t, &l);
        // ... and the DC sees the user's Kerberos network logon (policy, SYSVOL).
        kerberos_to(lab, t + 5_000_000, &user, ws, DC01, None);
        while at < WINDOW_SECONDS - 20 * MIN {
            at += lab.rng.range(6 * MIN, 25 * MIN);
            let t = lab.at(at);
            let server = *lab
                .rng
                .pick(&[SRV_FILE01, SRV_FILE01, SRV_FILE01, SRV_APP01, SQL01]);
            if lab.rng.percent(15) {
                // NTLMv2 (the share opened by address): client 8001, server 4624/8002/8003, DC 4776/8004.
                let (acct, port) =
                    named_ntlm(lab, None, t, &user, ws, server, "NTLM V2", 128, None);
                if server == SRV_FILE01 {
                    lab.share(
                        None,
                        server,
                        t + 200_000,
                        &acct,
                        lab.hosts[ws].ip,
                        port,
                        "Users",
                    );
                }
                lab.logoff_later(server, t, &acct, 3, 900);
            } else {
                let share = (server == SRV_FILE01).then_some(if lab.rng.percent(50) {
                    "Users"
                } else {
                    "Public"
                });
                kerberos_to(lab, t, &user, ws, server, share);
            }
        }
    }
}

/// A Kerberos network logon of `user` from `ws` on `server` (and its logoff, and a 5140).
fn kerberos_to(lab: &mut Lab, t: u64, user: &User, ws: usize, server: usize, share: Option<&str>) {
    let luid = lab.luid(server);
    let port = lab.rng.port();
    let g = guid(&mut lab.rng);
    let ip = lab.hosts[ws].ip;
    let mut l = Logon::kerberos(Account::domain_user(user, luid), g, ip, port);
    l.elevated = user.admin;
    lab.logon_on(None, server, t, &l);
    if user.admin {
        let tid = lab.tid();
        let rec = r::special(&lab.hosts[server], tid, &l.target, r::ADMIN_PRIVILEGES);
        lab.emit(server, Log::Security, t + 1, rec, None);
    }
    if let Some(s) = share {
        lab.share(None, server, t + 100_000, &l.target, ip, port, s);
    }
    lab.logoff_later(server, t, &l.target, 3, 600);
}

/// Admins: bob RDPs to SRV-APP01, adm_jdoe to DC01 (type 10, 4672).
fn admins(lab: &mut Lab) {
    let adm = USERS
        .iter()
        .find(|u| u.name == "adm_jdoe")
        .copied()
        .expect("adm_jdoe");
    for (user, ws, server, at) in [
        (owner(WKS002), WKS002, SRV_APP01, 90 * MIN),
        (adm, WKS002, DC01, 120 * MIN),
        (adm, WKS002, SQL01, 330 * MIN),
    ] {
        let t = lab.at(at);
        let luid = lab.luid(server);
        let g = guid(&mut lab.rng);
        let port = lab.rng.port();
        let mut l = Logon::kerberos(Account::domain_user(&user, luid), g, lab.hosts[ws].ip, port);
        l.subject = Account::system(&lab.hosts[server]);
        l.logon_type = 10;
        l.logon_process = "User32 ";
        l.auth_package = "Negotiate";
        l.workstation = lab.hosts[server].name.into();
        l.process_id = 0x1c4 + lab.rng.range(0, 64) * 4;
        l.process_name = r"C:\Windows\System32\svchost.exe".into();
        l.elevated = true;
        lab.logon_on(None, server, t, &l);
        let tid = lab.tid();
        let rec = r::special(&lab.hosts[server], tid, &l.target, r::ADMIN_PRIVILEGES);
        lab.emit(server, Log::Security, t + 1, rec, None);
        lab.logoff_later(server, t, &l.target, 10, 3000);
    }
}

/// Domain members' computer accounts log on to DC01 with Kerberos every ~30 minutes.
fn machine_refresh(lab: &mut Lab) {
    let members: Vec<usize> = (0..lab.hosts.len())
        .filter(|&h| h != DC01 && lab.hosts[h].logs && lab.hosts[h].domain_joined)
        .collect();
    for h in members {
        let mut at = lab.rng.range(2 * MIN, 30 * MIN);
        while at < WINDOW_SECONDS {
            let t = lab.at(at);
            let luid = lab.luid(DC01);
            let port = lab.rng.port();
            let g = guid(&mut lab.rng);
            let acct = Account {
                sid: lab.hosts[h].sid(),
                user: lab.hosts[h].account(),
                domain: DOMAIN.into(),
                logon_id: luid,
            };
            let l = Logon::kerberos(acct, g, lab.hosts[h].ip, port);
            lab.logon_on(None, DC01, t, &l);
            lab.logoff_later(DC01, t, &l.target, 3, 5);
            at += lab.rng.range(25 * MIN, 35 * MIN);
        }
    }
}

fn application(lab: &mut Lab) {
    for h in 0..lab.hosts.len() {
        if !lab.hosts[h].logs {
            continue;
        }
        let ws = matches!(
            lab.hosts[h].role,
            HostRole::Workstation | HostRole::Workgroup
        );
        for _ in 0..lab.rng.range(2, 5) {
            let at = lab.rng.range(2 * MIN, WINDOW_SECONDS);
            let t = lab.at(at);
            let rec = r::application_noise(&lab.hosts[h], ws);
            lab.emit(h, Log::Application, t, rec, None);
        }
    }
}

/// Ordinary SRV-FILE01 Security records for `--size`, generated one at a time in time order:
/// about 55 % Kerberos 4624 and 8 % NTLMv2 4624 from a few hundred clients, 27 % 4634,
/// 4 % 4672 (admin accounts) and 6 % 5140. None is anonymous, none NTLMv1/LM or a weak key.
pub(crate) struct Filler {
    pub target: u64,
    pub count: u64,
    rng: Rng,
    host: Host,
    start: u64,
    step: u64,
    current: EventRecord<'static>,
    open: Vec<(Account, u32)>,
    next_luid: u64,
}

/// Estimated bytes per filler record, to spread them over the lab's day.
pub(crate) const EST_RECORD_BYTES: u64 = 600;

impl Filler {
    /// `queued`: the lab's own records for the same file, which count towards the target.
    pub fn new(lab: &Lab, seed: u64, target: u64, queued: u64) -> Filler {
        let est = (target / EST_RECORD_BYTES).saturating_sub(queued).max(1);
        let start = FileTime::from_unix(BASE_UNIX, 0).0 + 2 * MIN * TICKS;
        Filler {
            target,
            count: 0,
            rng: Rng::new(seed).fork(0xF111),
            host: lab.hosts[BIG_HOST].clone(),
            start,
            step: ((WINDOW_SECONDS - 4 * MIN) * TICKS / est).max(1),
            current: EventRecord::default(),
            open: Vec::new(),
            next_luid: 0x1000_0000,
        }
    }

    fn client(&mut self) -> (String, String, User) {
        let n = self.rng.below(600);
        let ws = format!("WKS{:04}", 100 + n);
        let ip = format!("10.0.{}.{}", 4 + n / 200, 10 + n % 200);
        // Users of the wider company: their own SIDs beyond the lab's named users.
        let user = if self.rng.percent(10) {
            *self.rng.pick(USERS)
        } else {
            let k = self.rng.below(USER_POOL.len() as u64) as usize;
            USER_POOL[k]
        };
        (ws, ip, user)
    }

    /// The next record (its time is after the previous one's).
    pub fn next_record(&mut self) -> &EventRecord<'static> {
        let t = self.start + self.count * self.step + self.rng.below(self.step);
        self.count += 1;
        let tid = 4 * self.rng.range(100, 2000) as u32;
        let roll = self.rng.below(100);
        let rec = if roll < 27 && !self.open.is_empty() {
            let i = self.rng.below(self.open.len() as u64) as usize;
            let (acct, lt) = self.open.swap_remove(i);
            r::logoff(&self.host, tid, &acct, lt)
        } else if roll < 31 {
            let u = if self.rng.percent(50) {
                SVC_BACKUP
            } else {
                ADMINISTRATOR
            };
            self.next_luid += self.rng.range(0x10, 0x200);
            let acct = Account::domain_user(&u, self.next_luid);
            r::special(&self.host, tid, &acct, r::ADMIN_PRIVILEGES)
        } else if roll < 37 {
            let (_, ip, user) = self.client();
            self.next_luid += self.rng.range(0x10, 0x200);
            let acct = Account::domain_user(&user, self.next_luid);
            let share = *self.rng.pick(&["Users", "Public", "Finance", "Projects"]);
            r::share_access(&self.host, tid, &acct, &ip, self.rng.port(), share)
        } else {
            let (ws, ip, user) = self.client();
            self.next_luid += self.rng.range(0x10, 0x200);
            let acct = Account::domain_user(&user, self.next_luid);
            let port = self.rng.port();
            let l = if roll < 45 {
                Logon::ntlm(acct.clone(), "NTLM V2", 128, &ws, &ip, port)
            } else {
                Logon::kerberos(acct.clone(), guid(&mut self.rng), &ip, port)
            };
            if self.open.len() < 4096 {
                self.open.push((acct, 3));
            }
            r::logon(
                &self.host,
                self.host.logon_event_version.unwrap_or(2),
                tid,
                &l,
            )
        };
        self.current = rec;
        self.current.time = FileTime(t);
        &self.current
    }
}

/// A pool of ordinary users for the filler (names and RIDs of the wider company).
static USER_POOL: &[User] = &{
    const NAMES: [&str; 40] = [
        "aaron", "beth", "chris", "diana", "ethan", "fiona", "george", "hannah", "isaac",
        "jasmine", "kevin", "laura", "marcus", "nina", "oscar", "paula", "quinn", "rachel",
        "samuel", "tina", "ursula", "vincent", "wendy", "xander", "yasmin", "zach", "amelia",
        "brandon", "chloe", "derek", "elena", "felix", "gemma", "hugo", "ines", "jonas", "kira",
        "liam", "maya", "noah",
    ];
    let mut users = [User {
        name: "",
        rid: 0,
        admin: false,
    }; 40];
    let mut i = 0;
    while i < 40 {
        users[i] = User {
            name: NAMES[i],
            rid: 2000 + i as u32,
            admin: false,
        };
        i += 1;
    }
    users
};
