//! The mailbox supervisor: keeps this node's mail tasks in step with the mailboxes stored in
//! the database — one fetch task ([`poll::run`]) per enabled mailbox, and the SMTP mailers
//! replies leave through ([`SmtpMailers`]).
//!
//! Each refresh reads every mailbox's settings ([`Store::mailbox_settings`]) and then:
//! - rebuilds the SMTP mailer set (unchanged accounts keep their mailer and its pool);
//! - starts a fetch task for every enabled mailbox without one, restarts the task of a
//!   mailbox whose settings (or the set of our addresses, used for loop detection) changed,
//!   and stops the tasks of mailboxes that were disabled or removed.
//!
//! Every IMAP account and SMTP mailer it builds verifies TLS servers against the node's
//! [`TlsTrust`] (the webpki roots plus the configured `tls_ca_file`).
//!
//! A refresh runs at start, right after a save on this node ([`MailboxSupervisor::wake`],
//! called by the channel admin), and every [`REFRESH`] otherwise, so a change saved on
//! another node sharing the database is picked up within that time.
//!
//! Invariants:
//! - A task is stopped through its own stop signal (the same one the node's shutdown sets):
//!   it finishes its current step and ends; one still running after [`STOP_GRACE`] is
//!   aborted. Either way nothing is lost: a mail is acknowledged at the server only after
//!   its commit, and the store's dedupe absorbs a mail fetched twice.
//! - Which node fetches is still decided per pass by the mailbox lease (see [`poll`]), so
//!   every node may run a task for every mailbox.
//! - Ending or dropping the supervisor's loop (node shutdown) stops every task it started.
//! - A store failure during a refresh leaves the running tasks as they are.

use crate::email::imap::ImapAccount;
use crate::email::poll;
use crate::email::smtp::{SmtpAccount, SmtpMailers};
use crate::email::tls::TlsTrust;
use lossless::email::EmailSettings;
use lossless::ports::{StoreError, StoredMailbox};
use lossless::services::Ports;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify, watch};
use tokio::task::JoinHandle;

/// How often the stored settings are re-read without a wake-up.
pub const REFRESH: Duration = Duration::from_secs(10);

/// How long a stopped task may take to finish its step before it is aborted.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// A running fetch task and what it was started with.
struct Running {
    /// The account it fetches (compared on refresh).
    account: ImapAccountKey,
    /// Its stop signal.
    stop: watch::Sender<bool>,
    /// The task.
    task: JoinHandle<()>,
}

/// What a fetch task depends on; a change restarts it.
#[derive(Clone, PartialEq, Eq)]
struct ImapAccountKey {
    stored: StoredMailbox,
    our_addresses: Vec<String>,
}

/// Starts, restarts and stops this node's mailbox tasks (see the module doc).
pub struct MailboxSupervisor {
    ports: Ports,
    node: String,
    base: EmailSettings,
    mailers: Arc<SmtpMailers>,
    tls: TlsTrust,
    fetch: bool,
    wake: Notify,
    tasks: Mutex<HashMap<String, Running>>,
}

impl std::fmt::Debug for MailboxSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxSupervisor")
            .field("node", &self.node)
            .field("fetch", &self.fetch)
            .finish_non_exhaustive()
    }
}

/// The SMTP account of a stored mailbox (`None`: it sends nothing). An empty user sends
/// without login.
pub fn smtp_account(m: &StoredMailbox) -> Option<SmtpAccount> {
    let s = &m.settings;
    let e = s.smtp.as_ref()?;
    Some(SmtpAccount {
        from: s.address.clone(),
        host: e.host.clone(),
        port: e.port,
        security: e.security,
        user: Some(e.user.clone()).filter(|u| !u.trim().is_empty()),
        password: s.smtp_password.clone().unwrap_or_default(),
    })
}

/// The installation's email facts for mail of mailbox `m`: `base` with every stored
/// mailbox's address as ours and `m`'s policy for replies to closed tickets.
pub fn settings_for(
    base: &EmailSettings,
    all: &[StoredMailbox],
    m: &StoredMailbox,
) -> EmailSettings {
    let mut our = base.our_addresses.clone();
    for a in all.iter().map(|x| &x.settings.address) {
        if !our.contains(a) {
            our.push(a.clone());
        }
    }
    EmailSettings {
        our_addresses: our,
        closed_policy: m.settings.closed_policy,
        ..base.clone()
    }
}

/// The IMAP account of a stored mailbox, verifying TLS servers against `tls`.
pub fn imap_account(
    base: &EmailSettings,
    all: &[StoredMailbox],
    m: &StoredMailbox,
    tls: &TlsTrust,
) -> ImapAccount {
    let s = &m.settings;
    ImapAccount {
        name: s.name.clone(),
        address: s.address.clone(),
        host: s.imap.host.clone(),
        port: s.imap.port,
        security: s.imap.security,
        username: s.imap.user.clone(),
        password: s.imap_password.clone().unwrap_or_default(),
        settings: settings_for(base, all, m),
        tls: tls.clone(),
    }
}

impl MailboxSupervisor {
    /// A supervisor for this node: `base` holds the secret and Message-ID domain (and any
    /// extra addresses of ours); `fetch` says whether this node fetches at all (the mailers
    /// are kept in step either way); `tls` is whom IMAP and SMTP trust over TLS.
    pub fn new(
        ports: Ports,
        node: String,
        base: EmailSettings,
        mailers: Arc<SmtpMailers>,
        tls: TlsTrust,
        fetch: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            ports,
            node,
            base,
            mailers,
            tls,
            fetch,
            wake: Notify::new(),
            tasks: Mutex::new(HashMap::new()),
        })
    }

    /// The installation's email facts (secret, domain) this supervisor started with.
    pub fn base_settings(&self) -> &EmailSettings {
        &self.base
    }

    /// Whom its IMAP accounts and SMTP mailers trust over TLS.
    pub fn tls(&self) -> &TlsTrust {
        &self.tls
    }

    /// The SMTP mailers it keeps in step.
    pub fn mailers(&self) -> &Arc<SmtpMailers> {
        &self.mailers
    }

    /// Asks for a refresh now (after a save on this node).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The names of the mailboxes this node runs a fetch task for, sorted.
    pub async fn fetching(&self) -> Vec<String> {
        let tasks = self.tasks.lock().await;
        let mut names: Vec<String> = tasks
            .iter()
            .filter(|(_, r)| !r.task.is_finished())
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        names
    }

    /// Re-reads the stored mailboxes and brings the mailers and fetch tasks in line.
    /// Returns the mailers that could not be built (name, reason).
    pub async fn refresh(&self) -> Result<Vec<(String, String)>, StoreError> {
        let all = self.ports.store.mailbox_settings().await?;
        let accounts: Vec<(String, SmtpAccount)> = all
            .iter()
            .filter_map(|m| smtp_account(m).map(|a| (m.settings.name.clone(), a)))
            .collect();
        let failed = self.mailers.sync(&accounts, &self.tls);
        for (name, e) in &failed {
            tracing::warn!(mailbox = %name, error = %e, "cannot send through this mailbox");
        }
        let our_addresses: Vec<String> = all
            .iter()
            .map(|m| m.settings.address.as_str().to_owned())
            .collect();
        let wanted: HashMap<String, &StoredMailbox> = all
            .iter()
            .filter(|m| self.fetch && m.settings.enabled)
            .map(|m| (m.settings.name.clone(), m))
            .collect();
        let mut tasks = self.tasks.lock().await;
        let mut stopping = Vec::new();
        let names: Vec<String> = tasks.keys().cloned().collect();
        for name in names {
            let keep = wanted.get(&name).is_some_and(|m| {
                tasks.get(&name).is_some_and(|r| {
                    !r.task.is_finished()
                        && r.account.stored == **m
                        && r.account.our_addresses == our_addresses
                })
            });
            if !keep && let Some(r) = tasks.remove(&name) {
                let _ = r.stop.send(true);
                stopping.push((name, r.task));
            }
        }
        for (name, task) in stopping {
            let abort = task.abort_handle();
            if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
                abort.abort();
            }
            tracing::info!(mailbox = %name, "mailbox fetching stopped");
        }
        for (name, m) in wanted {
            if tasks.contains_key(&name) {
                continue;
            }
            let (stop, stop_rx) = watch::channel(false);
            let account = imap_account(&self.base, &all, m, &self.tls);
            let task = tokio::spawn(poll::run(
                self.ports.clone(),
                account,
                self.node.clone(),
                u64::from(m.settings.poll_seconds.max(1)),
                stop_rx,
            ));
            tracing::info!(mailbox = %name, "mailbox fetching started");
            tasks.insert(
                name,
                Running {
                    account: ImapAccountKey {
                        stored: m.clone(),
                        our_addresses: our_addresses.clone(),
                    },
                    stop,
                    task,
                },
            );
        }
        Ok(failed)
    }

    /// Refreshes on every wake-up and every [`REFRESH`] until `stop` turns `true`; then (or
    /// when this future is dropped) stops every task it started.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let _guard = StopAll(Arc::clone(&self));
        loop {
            if *stop.borrow() {
                break;
            }
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "could not read the mailboxes");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(REFRESH) => {}
                r = stop.changed() => if r.is_err() { break },
            }
        }
    }
}

/// Stops every task of the supervisor when dropped (the node stops): as the node's shutdown
/// did before, the tasks are aborted, which loses nothing (see the module doc).
struct StopAll(Arc<MailboxSupervisor>);

impl Drop for StopAll {
    fn drop(&mut self) {
        // A refresh in flight was dropped before this guard (it is a later local of `run`),
        // so the lock is free here.
        if let Ok(mut tasks) = self.0.tasks.try_lock() {
            for (_, r) in tasks.drain() {
                let _ = r.stop.send(true);
                r.task.abort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless::email::ClosedTicketPolicy;
    use lossless::email::MailboxId;
    use lossless::email::admin::{Endpoint, MailboxSettings, MailboxSource, TransportSecurity};
    use lossless::ids::EmailAddress;

    fn stored(name: &str, policy: ClosedTicketPolicy, smtp_user: &str) -> StoredMailbox {
        StoredMailbox {
            id: MailboxId(1),
            source: MailboxSource::Ui,
            settings: MailboxSettings {
                name: name.into(),
                address: EmailAddress::parse(&format!("{name}@lossless.test")).unwrap(),
                imap: Endpoint {
                    host: "imap.example.com".into(),
                    port: 143,
                    security: TransportSecurity::StartTls,
                    user: "u".into(),
                },
                imap_password: Some("imap-pw".into()),
                smtp: Some(Endpoint {
                    host: "smtp.example.com".into(),
                    port: 465,
                    security: TransportSecurity::Tls,
                    user: smtp_user.into(),
                }),
                smtp_password: Some("smtp-pw".into()),
                poll_seconds: 30,
                closed_policy: policy,
                enabled: true,
            },
        }
    }

    #[test]
    fn accounts_carry_the_mailbox_policy_and_all_our_addresses() {
        let a = stored("a", ClosedTicketPolicy::Reopen, "");
        let b = stored("b", ClosedTicketPolicy::NewLinked, "sender");
        let base = EmailSettings {
            our_addresses: vec![EmailAddress::parse("extra@lossless.test").unwrap()],
            ..EmailSettings::default()
        };
        let all = [a.clone(), b.clone()];
        let acct = imap_account(&base, &all, &a, &TlsTrust::webpki());
        assert_eq!(acct.settings.closed_policy, ClosedTicketPolicy::Reopen);
        assert_eq!(
            imap_account(&base, &all, &b, &TlsTrust::webpki())
                .settings
                .closed_policy,
            ClosedTicketPolicy::NewLinked
        );
        let ours: Vec<&str> = acct
            .settings
            .our_addresses
            .iter()
            .map(|e| e.as_str())
            .collect();
        assert_eq!(
            ours,
            ["extra@lossless.test", "a@lossless.test", "b@lossless.test"]
        );
        assert_eq!(
            (acct.security, acct.port, acct.password.as_str()),
            (TransportSecurity::StartTls, 143, "imap-pw")
        );
        let sa = smtp_account(&a).unwrap();
        assert_eq!(
            (sa.security, sa.port, sa.user),
            (TransportSecurity::Tls, 465, None)
        );
        assert_eq!(smtp_account(&b).unwrap().user.as_deref(), Some("sender"));
        let mut none = a;
        none.settings.smtp = None;
        assert_eq!(smtp_account(&none), None);
    }
}
