//! User accounts (issue 6, point 1) on both databases: invitations (single use, 7-day expiry
//! on a fixed clock, re-invite voiding the older link, withdrawal), password resets (no
//! account enumeration, at most three mails an hour, older links voided, other sessions
//! ended), roles and (de)activation (no self-deactivation, the last active admin protected),
//! the audit log written with each change and never for a refused one; and over a real node
//! with the real Postfix/Dovecot: an admin invites through the users page's server function,
//! the mail arrives, its link opens the password page, a weak password is refused (422), a
//! good one signs the browser in, and the permission matrix of the admin endpoints.

use crate::http::{node, role_cookie};
use crate::support::{self, NO_ARGS, SqlStore, call_form, field_codes, on_both_databases};
use chrono::{DateTime, Duration, TimeZone, Utc};
use leptos::server_fn::ServerFn as _;
use lossless::account::{AccountStatus, AuditAction, AuditQuery, TokenKind};
use lossless::actor::{Actor, Role};
use lossless::error::DomainError;
use lossless::ids::{AgentId, EmailAddress, Lang};
use lossless::job::{JobKind, JobStatus};
use lossless::ports::{Clock as _, FixedClock, Store as _};
use lossless::services::Ports;
use lossless::services::accounts::{self, InviteDraft};
use lossless::services::team;
use lossless::team::{AssignStrategy, GroupRouting, NewAgent};
use lossless_app::api::accounts::{
    AcceptInvite, AuditScreen, ChangeRole, CompleteReset, InviteUser, RequestReset, SetAgentActive,
    UsersScreen,
};
use lossless_app::api::auth::{CurrentAgent, SignIn};
use std::sync::Arc;

const BASE: &str = "http://desk.test";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap()
}

struct World {
    store: SqlStore,
    clock: Arc<FixedClock>,
    p: Ports,
}

async fn world(url: &str) -> World {
    let store = SqlStore::connect(url).await.unwrap();
    let clock = Arc::new(FixedClock::new(t0()));
    let mut p = support::ports(&store);
    p.clock = clock.clone();
    World { store, clock, p }
}

async fn add(store: &SqlStore, email: &str, role: Role) -> Actor {
    let id = store
        .create_agent(NewAgent {
            email: EmailAddress::parse(email).unwrap(),
            name: email.split('@').next().unwrap().to_owned(),
            role,
            lang: Lang::En,
            password_hash: "x".into(),
        })
        .await
        .unwrap()
        .id;
    Actor::Agent { id, role }
}

fn id(a: &Actor) -> AgentId {
    a.agent_id().unwrap()
}

fn draft(email: &str, role: Role) -> InviteDraft {
    InviteDraft {
        email: email.into(),
        name: "New Person".into(),
        role,
        groups: Vec::new(),
        lang: Lang::En,
    }
}

fn codes(e: DomainError) -> Vec<(String, String)> {
    match e {
        DomainError::Invalid(f) => f.0.into_iter().map(|x| (x.field, x.code)).collect(),
        other => panic!("not invalid: {other:?}"),
    }
}

impl World {
    async fn audit(&self) -> Vec<(AuditAction, String)> {
        self.store
            .audit_log(AuditQuery {
                limit: 1000,
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.entry.action, e.entry.target_id))
            .collect()
    }

    /// The account mails queued, oldest first: (to, body).
    async fn mails(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .store
            .jobs(None, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|j| match j.kind {
                JobKind::AccountMail { to, body, .. } => Some((to.to_string(), body)),
                _ => None,
            })
            .collect();
        out.reverse();
        out
    }

    async fn status(&self, a: AgentId) -> AccountStatus {
        self.store
            .user_accounts()
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.agent.id == a)
            .unwrap()
            .status
    }
}

#[tokio::test]
async fn invites_resets_roles_and_the_audit_log() {
    on_both_databases(|url| async move { scenario(&url).await }).await;
}

async fn scenario(url: &str) {
    let w = world(url).await;
    let admin = add(&w.store, "admin@example.com", Role::Admin).await;
    let manager = add(&w.store, "manager@example.com", Role::Manager).await;
    let agent = add(&w.store, "agent@example.com", Role::Agent).await;
    let group = w.store.create_group("Billing").await.unwrap();

    // Only admins manage users; managers read the audit log, agents do not.
    for who in [&manager, &agent] {
        assert_eq!(
            accounts::invite(&w.p, who, draft("x@example.com", Role::Agent), "t", BASE).await,
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            accounts::users(&w.p, who).await,
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            accounts::set_active(&w.p, who, id(&admin), false).await,
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            accounts::change_role(&w.p, who, id(&admin), Role::Agent).await,
            Err(DomainError::Forbidden)
        );
    }
    assert!(
        accounts::audit_log(&w.p, &manager, AuditQuery::default())
            .await
            .is_ok()
    );
    assert_eq!(
        accounts::audit_log(&w.p, &agent, AuditQuery::default()).await,
        Err(DomainError::Forbidden)
    );

    // Bad input: 422 with field codes, nothing stored, nothing audited.
    let mut bad = draft("not-an-address", Role::Agent);
    bad.name = " ".into();
    bad.groups = vec![lossless::ids::GroupId(9999)];
    let e = accounts::invite(&w.p, &admin, bad, "t", BASE)
        .await
        .unwrap_err();
    let mut c = codes(e);
    c.sort();
    assert_eq!(
        c,
        [
            ("email".into(), "invalid".into()),
            ("groups".into(), "invalid".into()),
            ("name".into(), "required".into())
        ]
    );
    let taken = accounts::invite(
        &w.p,
        &admin,
        draft("Agent@example.com", Role::Agent),
        "t",
        BASE,
    )
    .await
    .unwrap_err();
    assert_eq!(codes(taken), [("email".into(), "taken".into())]);
    assert!(w.audit().await.is_empty());
    assert!(w.mails().await.is_empty());

    // Invite: stored as invited with the group, the mail queued with the link, audited.
    let mut d = draft("new@example.com", Role::Manager);
    d.groups = vec![group.id];
    let invited = accounts::invite(&w.p, &admin, d, "tok-invite-1", BASE)
        .await
        .unwrap();
    let users = accounts::users(&w.p, &admin).await.unwrap();
    let u = users.iter().find(|u| u.agent.id == invited.id).unwrap();
    assert_eq!(
        (u.status, u.agent.role, u.groups.clone()),
        (AccountStatus::Invited, Role::Manager, vec![group.id])
    );
    let mails = w.mails().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "new@example.com");
    assert!(
        mails[0].1.contains("http://desk.test/invite/tok-invite-1"),
        "{}",
        mails[0].1
    );
    assert_eq!(
        w.audit().await,
        [(AuditAction::InviteSent, invited.id.0.to_string())]
    );
    // The token itself is nowhere in the audit log.
    let details = w
        .store
        .audit_log(AuditQuery {
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert!(
        !details[0]
            .entry
            .details
            .to_string()
            .contains("tok-invite-1")
    );
    // Not signed in yet: no password, not active.
    assert!(
        w.store
            .active_agent_by_email(&invited.email)
            .await
            .unwrap()
            .is_none()
    );

    // The link: unknown tokens open nothing; the password policy is checked first.
    assert_eq!(
        accounts::token_holder(&w.p, TokenKind::Invite, "nope").await,
        Err(DomainError::NotFound)
    );
    assert_eq!(
        accounts::token_holder(&w.p, TokenKind::Reset, "tok-invite-1").await,
        Err(DomainError::NotFound),
        "an invite token is no reset token"
    );
    let weak = accounts::check_new_password(&w.p, TokenKind::Invite, "tok-invite-1", "short")
        .await
        .unwrap_err();
    assert_eq!(codes(weak), [("password".into(), "too_short".into())]);
    let same =
        accounts::check_new_password(&w.p, TokenKind::Invite, "tok-invite-1", "NEW@example.com")
            .await
            .unwrap_err();
    assert_eq!(codes(same), [("password".into(), "equals_email".into())]);
    assert_eq!(w.audit().await.len(), 1, "refusals are not audited");
    let holder =
        accounts::check_new_password(&w.p, TokenKind::Invite, "tok-invite-1", "long enough pw")
            .await
            .unwrap();
    assert_eq!(holder.id, invited.id);
    let a = accounts::redeem(&w.p, TokenKind::Invite, "tok-invite-1", "hash-1")
        .await
        .unwrap();
    assert_eq!(a.id, invited.id);
    assert_eq!(w.status(invited.id).await, AccountStatus::Active);
    let (_, hash) = w
        .store
        .active_agent_by_email(&invited.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hash, "hash-1");
    // Single use.
    assert_eq!(
        accounts::redeem(&w.p, TokenKind::Invite, "tok-invite-1", "hash-2").await,
        Err(DomainError::NotFound)
    );
    assert_eq!(
        w.audit().await[0],
        (AuditAction::InviteAccepted, invited.id.0.to_string())
    );

    // Expiry: a 7-day link works just before and not after.
    let late = accounts::invite(
        &w.p,
        &admin,
        draft("late@example.com", Role::Agent),
        "tok-late",
        BASE,
    )
    .await
    .unwrap();
    w.clock.set(t0() + Duration::days(7) - Duration::seconds(1));
    assert!(
        accounts::token_holder(&w.p, TokenKind::Invite, "tok-late")
            .await
            .is_ok()
    );
    w.clock.set(t0() + Duration::days(7));
    assert_eq!(
        accounts::redeem(&w.p, TokenKind::Invite, "tok-late", "h").await,
        Err(DomainError::NotFound)
    );
    assert_eq!(w.status(late.id).await, AccountStatus::Invited);
    // Re-invite: a new link; an older unexpired one stops working.
    accounts::resend_invite(&w.p, &admin, late.id, "tok-late-2", BASE)
        .await
        .unwrap();
    accounts::resend_invite(&w.p, &admin, late.id, "tok-late-3", BASE)
        .await
        .unwrap();
    assert_eq!(
        accounts::token_holder(&w.p, TokenKind::Invite, "tok-late-2").await,
        Err(DomainError::NotFound)
    );
    assert!(
        accounts::token_holder(&w.p, TokenKind::Invite, "tok-late-3")
            .await
            .is_ok()
    );
    // Re-inviting an active agent is refused.
    let e = accounts::resend_invite(&w.p, &admin, invited.id, "t9", BASE)
        .await
        .unwrap_err();
    assert_eq!(codes(e), [("status".into(), "not_allowed".into())]);
    // Withdraw: the link dies, the account is deactivated.
    accounts::revoke_invite(&w.p, &admin, late.id)
        .await
        .unwrap();
    assert_eq!(w.status(late.id).await, AccountStatus::Deactivated);
    assert_eq!(
        accounts::token_holder(&w.p, TokenKind::Invite, "tok-late-3").await,
        Err(DomainError::NotFound)
    );
    // Reactivating someone who never set a password makes them invited again.
    accounts::set_active(&w.p, &admin, late.id, true)
        .await
        .unwrap();
    assert_eq!(w.status(late.id).await, AccountStatus::Invited);

    // Reset: unknown and known addresses answer the same; only the known one gets a mail.
    let before = w.mails().await.len();
    accounts::request_reset(&w.p, "nobody@example.com", "r0", BASE)
        .await
        .unwrap();
    accounts::request_reset(&w.p, "late@example.com", "r00", BASE)
        .await
        .unwrap();
    assert_eq!(
        w.mails().await.len(),
        before,
        "no mail for unknown or inactive accounts"
    );
    assert_eq!(
        codes(
            accounts::request_reset(&w.p, "@@", "r", BASE)
                .await
                .unwrap_err()
        ),
        [("email".into(), "invalid".into())]
    );
    let audited = w.audit().await.len();
    accounts::request_reset(&w.p, "AGENT@example.com", "r1", BASE)
        .await
        .unwrap();
    accounts::request_reset(&w.p, "agent@example.com", "r2", BASE)
        .await
        .unwrap();
    let mails = w.mails().await;
    assert_eq!(mails.len(), before + 2);
    assert!(
        mails
            .last()
            .unwrap()
            .1
            .contains("http://desk.test/reset/r2")
    );
    assert_eq!(
        w.audit().await.len(),
        audited,
        "asking is no administrative change"
    );
    // The older link is void; a third mail this hour goes out, a fourth does not.
    assert_eq!(
        accounts::token_holder(&w.p, TokenKind::Reset, "r1").await,
        Err(DomainError::NotFound)
    );
    accounts::request_reset(&w.p, "agent@example.com", "r3", BASE)
        .await
        .unwrap();
    accounts::request_reset(&w.p, "agent@example.com", "r4", BASE)
        .await
        .unwrap();
    assert_eq!(w.mails().await.len(), before + 3);
    assert_eq!(
        accounts::token_holder(&w.p, TokenKind::Reset, "r4").await,
        Err(DomainError::NotFound)
    );
    // Resetting ends the agent's sessions.
    let now = w.clock.now();
    w.store
        .create_session("sess-agent", id(&agent), now + Duration::days(1))
        .await
        .unwrap();
    assert!(
        w.store
            .session_agent("sess-agent", now)
            .await
            .unwrap()
            .is_some()
    );
    let a = accounts::redeem(&w.p, TokenKind::Reset, "r3", "hash-reset")
        .await
        .unwrap();
    assert_eq!(a.id, id(&agent));
    assert!(
        w.store
            .session_agent("sess-agent", now)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        w.audit().await[0],
        (AuditAction::PasswordReset, id(&agent).0.to_string())
    );
    // A reset link expires after an hour.
    accounts::request_reset(&w.p, "manager@example.com", "rm", BASE)
        .await
        .unwrap();
    w.clock.set(now + Duration::minutes(60));
    assert_eq!(
        accounts::redeem(&w.p, TokenKind::Reset, "rm", "h").await,
        Err(DomainError::NotFound)
    );

    // Deactivation: no sign-in, sessions end; reactivation restores sign-in.
    let now = w.clock.now();
    w.store
        .create_session("sess-agent-2", id(&agent), now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        codes(
            accounts::set_active(&w.p, &admin, id(&admin), false)
                .await
                .unwrap_err()
        ),
        [("agent".into(), "self".into())]
    );
    accounts::set_active(&w.p, &admin, id(&agent), false)
        .await
        .unwrap();
    let agent_email = EmailAddress::parse("agent@example.com").unwrap();
    assert!(
        w.store
            .active_agent_by_email(&agent_email)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.store
            .session_agent("sess-agent-2", now)
            .await
            .unwrap()
            .is_none()
    );
    accounts::set_active(&w.p, &admin, id(&agent), true)
        .await
        .unwrap();
    assert!(
        w.store
            .active_agent_by_email(&agent_email)
            .await
            .unwrap()
            .is_some()
    );

    // Roles, and the last active admin.
    let audited = w.audit().await.len();
    assert_eq!(
        codes(
            accounts::change_role(&w.p, &admin, id(&admin), Role::Manager)
                .await
                .unwrap_err()
        ),
        [("role".into(), "last_admin".into())]
    );
    assert_eq!(
        w.audit().await.len(),
        audited,
        "a refused change writes no audit entry"
    );
    accounts::change_role(&w.p, &admin, id(&manager), Role::Admin)
        .await
        .unwrap();
    let boss2 = Actor::Agent {
        id: id(&manager),
        role: Role::Admin,
    };
    // The second admin deactivates the first: then the first is no admin to count on.
    accounts::set_active(&w.p, &boss2, id(&admin), false)
        .await
        .unwrap();
    assert_eq!(
        codes(
            accounts::change_role(&w.p, &boss2, id(&boss2), Role::Agent)
                .await
                .unwrap_err()
        ),
        [("role".into(), "last_admin".into())]
    );
    accounts::set_active(&w.p, &boss2, id(&admin), true)
        .await
        .unwrap();
    accounts::change_role(&w.p, &boss2, id(&boss2), Role::Agent)
        .await
        .unwrap();
    // The same role again is no change and no entry.
    let audited = w.audit().await.len();
    accounts::change_role(&w.p, &admin, id(&agent), Role::Agent)
        .await
        .unwrap();
    assert_eq!(w.audit().await.len(), audited);

    // The log, newest first, filtered by actor and action, with before/after.
    let roles = accounts::audit_log(
        &w.p,
        &manager,
        AuditQuery {
            action: Some(AuditAction::RoleChanged),
            limit: 50,
            ..AuditQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0].entry.actor, Some(id(&manager)));
    assert_eq!(roles[0].entry.details["before"]["role"], "admin");
    assert_eq!(roles[0].entry.details["after"]["role"], "agent");
    assert_eq!(roles[1].entry.actor, Some(id(&admin)));
    let by_boss2 = accounts::audit_log(
        &w.p,
        &admin,
        AuditQuery {
            actor: Some(id(&manager)),
            limit: 50,
            ..AuditQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        by_boss2.iter().map(|e| e.entry.action).collect::<Vec<_>>(),
        [
            AuditAction::RoleChanged,
            AuditAction::AgentReactivated,
            AuditAction::AgentDeactivated
        ]
    );
    let page2 = accounts::audit_log(
        &w.p,
        &admin,
        AuditQuery {
            offset: 1,
            limit: 1,
            ..AuditQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page2.len(), 1);
    assert_eq!(page2[0].entry.action, AuditAction::AgentReactivated);
    let all = w.audit().await;
    for action in [
        AuditAction::InviteSent,
        AuditAction::InviteResent,
        AuditAction::InviteRevoked,
        AuditAction::InviteAccepted,
        AuditAction::RoleChanged,
        AuditAction::AgentDeactivated,
        AuditAction::AgentReactivated,
        AuditAction::PasswordReset,
    ] {
        assert!(all.iter().any(|(a, _)| *a == action), "{action:?} audited");
    }

    // The team screen's saves are audited in their transaction; a refused one writes nothing.
    let audited = w.audit().await.len();
    let profile = |capacity: i32| team::AgentProfileInput {
        agent: id(&agent),
        capacity,
        languages: [Lang::En].into_iter().collect(),
        skills: "billing".into(),
    };
    assert!(matches!(
        team::save_agent_profile(&w.p, &admin, profile(-1)).await,
        Err(DomainError::Invalid(_))
    ));
    assert_eq!(w.audit().await.len(), audited);
    team::save_agent_profile(&w.p, &admin, profile(5))
        .await
        .unwrap();
    let mut routing = GroupRouting::manual(group.id);
    routing.strategy = AssignStrategy::RoundRobin;
    assert_eq!(
        team::save_group_routing(&w.p, &agent, routing.clone()).await,
        Err(DomainError::Forbidden)
    );
    team::save_group_routing(&w.p, &admin, routing)
        .await
        .unwrap();
    let log = w
        .store
        .audit_log(AuditQuery {
            limit: 2,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let (r, a) = (&log[0].entry, &log[1].entry);
    assert_eq!(
        (
            r.action,
            r.target_kind.as_str(),
            r.target_id.clone(),
            r.actor
        ),
        (
            AuditAction::GroupRoutingChanged,
            "group",
            group.id.0.to_string(),
            Some(id(&admin))
        )
    );
    assert_eq!(r.details["before"]["strategy"], "manual");
    assert_eq!(r.details["after"]["strategy"], "round_robin");
    assert_eq!(a.action, AuditAction::AgentProfileChanged);
    assert_eq!(a.target_id, id(&agent).0.to_string());
    assert_eq!(a.details["before"]["capacity"], 20);
    assert_eq!(a.details["after"]["capacity"], 5);
    assert_eq!(a.details["after"]["skills"][0], "billing");
}

/// POSTs a form to a server function; returns status, `Set-Cookie` values and body.
async fn post(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
    body: &[(&str, &str)],
) -> (u16, Vec<String>, String) {
    let mut r = support::http_client()
        .post(format!("http://{}{path}", s.addr))
        .header("sec-fetch-site", "same-origin")
        .form(body);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (r.status().as_u16(), set, r.text().await.unwrap())
}

fn session_of(set: &[String]) -> Option<String> {
    let name = lossless_app::ssr::SESSION_COOKIE;
    set.iter()
        .filter_map(|c| c.split(';').next())
        .find(|kv| kv.starts_with(&format!("{name}=")) && kv.len() > name.len() + 1)
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_mail_signs_the_new_agent_in_over_http() {
    crate::email_intake::ensure_mail_servers().await;
    on_both_databases(|url| async move {
        let s = node(&url, &[("worker", "0")]).await;
        let (_, admin) = role_cookie(&s, "admin@example.com", Role::Admin).await;
        let (_, manager) = role_cookie(&s, "boss@example.com", Role::Manager).await;
        let (_, agent) = role_cookie(&s, "worker@example.com", Role::Agent).await;

        // Permission matrix of the admin endpoints.
        for (cookie, users, audit) in [(&agent, 403, 403), (&manager, 403, 200), (&admin, 200, 200)] {
            let (st, body) = call_form(&s, UsersScreen::PATH, Some(cookie), NO_ARGS).await;
            assert_eq!(st, users, "{body}");
            let (st, body) = call_form(&s, AuditScreen::PATH, Some(cookie), NO_ARGS).await;
            assert_eq!(st, audit, "{body}");
        }
        for cookie in [&agent, &manager] {
            let (st, _) = call_form(
                &s,
                InviteUser::PATH,
                Some(cookie),
                &[("email", "x@example.com"), ("name", "X"), ("role", "agent"), ("lang", "en")],
            )
            .await;
            assert_eq!(st, 403);
            let (st, _) = call_form(&s, ChangeRole::PATH, Some(cookie), &[("agent", "1"), ("role", "agent")]).await;
            assert_eq!(st, 403);
            let (st, _) =
                call_form(&s, SetAgentActive::PATH, Some(cookie), &[("agent", "1"), ("active", "false")]).await;
            assert_eq!(st, 403);
        }
        let (st, _) = call_form(&s, UsersScreen::PATH, None, NO_ARGS).await;
        assert_eq!(st, 401);

        // The admin invites the test mailbox's address; a unique name tags the subject.
        let tag = support::unique_tag("Inv");
        let (st, body) = call_form(
            &s,
            InviteUser::PATH,
            Some(&admin),
            &[
                ("email", "customer@customer.test"),
                ("name", tag.as_str()),
                ("role", "agent"),
                ("lang", "en"),
                ("groups", ""),
            ],
        )
        .await;
        assert_eq!(st, 200, "{body}");
        // A node without SMTP keeps the mail queued (it fails and is retried, never lost);
        // the worker with SMTP sends it through the real Postfix.
        let email = crate::email_outbound::email_out(2525);
        for _ in 0..20 {
            if lossless_server::worker::round(&s.ports, Some(&email), "accounts-mail").await == 0 {
                break;
            }
        }
        let mails = crate::email_outbound::wait_for_mails(&tag, 1).await;
        let raw = String::from_utf8_lossy(&mails[0]).replace("=\r\n", "").replace("=3D", "=");
        crate::email_outbound::customer_mails(&tag, true).await;
        let base = format!("http://{}/invite/", s.addr);
        let at = raw.find(&base).unwrap_or_else(|| panic!("no link in {raw}"));
        let token: String = raw[at + base.len()..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        assert_eq!(token.len(), 64, "{raw}");

        // The page of the link, and the neutral page of a wrong one.
        let (st, _, body) = support::get_page(&s, &format!("/invite/{token}"), None).await;
        assert_eq!(st, 200);
        assert!(body.contains(&tag), "the page greets the invitee");
        let (st, _, body) = support::get_page(&s, "/invite/0123", None).await;
        assert_eq!(st, 404);
        assert!(body.contains("link-invalid"));

        // A weak password: 422, the link still works; a good one signs in.
        let (st, set, body) =
            post(&s, AcceptInvite::PATH, None, &[("token", &token), ("password", "short")]).await;
        assert_eq!(st, 422, "{body}");
        assert_eq!(field_codes(&body), [("password".into(), "too_short".into())]);
        assert!(session_of(&set).is_none());
        let (st, set, body) = post(
            &s,
            AcceptInvite::PATH,
            None,
            &[("token", &token), ("password", "a good long password")],
        )
        .await;
        assert!(st < 400, "{st} {body}");
        let session = session_of(&set).expect("signed in");
        let (st, body) = call_form(&s, CurrentAgent::PATH, Some(&session), NO_ARGS).await;
        assert_eq!(st, 200);
        assert!(body.contains(&tag), "{body}");
        // Used: the link is dead now.
        let (st, _, _) =
            post(&s, AcceptInvite::PATH, None, &[("token", &token), ("password", "another long one")])
                .await;
        assert_eq!(st, 404);
        // The password signs in through the sign-in form too.
        let sign_in = [("email", "customer@customer.test"), ("password", "a good long password")];
        let (st, set, body) = post(&s, SignIn::PATH, None, &sign_in).await;
        assert!(st < 400, "{st} {body}");
        assert!(session_of(&set).is_some());

        // A reset for an unknown address answers exactly like one for a known address.
        let (st1, _, b1) = post(&s, RequestReset::PATH, None, &[("email", "nobody@customer.test")]).await;
        let (st2, _, b2) = post(&s, RequestReset::PATH, None, &[("email", "customer@customer.test")]).await;
        assert_eq!((st1, &b1), (st2, &b2));
        let queued = s
            .ports
            .store
            .jobs(Some(JobStatus::Queued), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| matches!(&j.kind, JobKind::AccountMail { to, .. } if to.as_str() == "customer@customer.test"))
            .count();
        assert_eq!(queued, 1, "one reset mail, none for the unknown address");
        // A wrong reset token: 404 and no session.
        let (st, set, _) =
            post(&s, CompleteReset::PATH, None, &[("token", "00"), ("password", "whatever long")]).await;
        assert_eq!(st, 404);
        assert!(session_of(&set).is_none());

        // Deactivated by the admin: the session ends and sign-in fails.
        let me: serde_json::Value = support::json_of(&call_form(&s, CurrentAgent::PATH, Some(&session), NO_ARGS).await.1);
        let new_id = me["id"].as_i64().unwrap().to_string();
        let (st, body) =
            call_form(&s, SetAgentActive::PATH, Some(&admin), &[("agent", new_id.as_str()), ("active", "false")]).await;
        assert_eq!(st, 200, "{body}");
        let (_, body) = call_form(&s, CurrentAgent::PATH, Some(&session), NO_ARGS).await;
        assert_eq!(body.trim(), "null");
        let (st, set, body) = post(&s, SignIn::PATH, None, &sign_in).await;
        assert!(st >= 400 && body.contains("unauthenticated"), "{st} {body}");
        assert!(session_of(&set).is_none());
        // The audit page lists the invitation.
        let (st, body) = call_form(&s, AuditScreen::PATH, Some(&admin), NO_ARGS).await;
        assert_eq!(st, 200);
        for action in ["invite_sent", "invite_accepted", "agent_deactivated"] {
            assert!(body.contains(action), "{action} in {body}");
        }
        s.stop().await;
    })
    .await;
}
