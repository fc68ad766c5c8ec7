//! IMAP and SMTP over TLS and STARTTLS against the real Dovecot and Postfix of
//! `scripts/mail.sh` (imaps 127.0.0.1:1993, smtps 127.0.0.1:2465, STARTTLS on 1143 and 2525),
//! whose certificate (for `localhost` and 127.0.0.1) is signed by the private test CA in the
//! mail state dir — as a team's internal mail server would be. With `tls_ca_file` naming that
//! CA, a node's "test this mailbox" passes over implicit TLS and over STARTTLS, a mail sent
//! over smtps and fetched over imaps becomes a ticket, and the node's SMTP mailers send over
//! TLS; with the webpki roots only, or by a name the certificate does not carry, the probe
//! stops at connecting and says why.
//!
//! Uses its own mailbox (tls@lossless.test), tags its mails and deletes them at the end.

use crate::email_intake::{delete_found, ensure_mail_servers, start_mail_servers, tagged};
use crate::support::eventually;
use crate::{http, support};
use lossless::email::admin::{
    ChannelAdmin, Endpoint, MailboxSettings, ProbeReport, ProbeStepKind, TransportSecurity,
};
use lossless::email::{ClosedTicketPolicy, OutgoingEmail};
use lossless::ids::EmailAddress;
use lossless::ports::Mailer;
use lossless_server::email::smtp::{SmtpAccount, SmtpMailer};
use lossless_server::email::tls::TlsTrust;
use tokio::net::{TcpListener, TcpStream};

const ADDRESS: &str = "tls@lossless.test";
const PASSWORD: &str = "tls-pw";
const IMAPS: u16 = 1993;
const SMTPS: u16 = 2465;

/// The test CA `scripts/mail.sh` made (`$LOSSLESS_MAIL_DIR/tls/ca.pem`).
fn ca_file() -> String {
    format!("{}/tls/ca.pem", crate::email_intake::mail_state_dir())
}

/// The mail servers, with their TLS listeners (an older `mail.sh` run had none: start
/// configures them).
async fn ensure_tls_mail_servers() {
    ensure_mail_servers().await;
    let up = |port: u16| async move { TcpStream::connect(("127.0.0.1", port)).await.is_ok() };
    if !(up(IMAPS).await && up(SMTPS).await) {
        start_mail_servers();
    }
    assert!(
        std::path::Path::new(&ca_file()).is_file(),
        "no test CA at {}",
        ca_file()
    );
}

/// The TLS mailbox's settings: IMAP and SMTP at `host` with `security` on the given ports.
fn settings(
    host: &str,
    security: TransportSecurity,
    imap_port: u16,
    smtp_port: u16,
) -> MailboxSettings {
    MailboxSettings {
        name: "tls".into(),
        address: EmailAddress::parse(ADDRESS).unwrap(),
        imap: Endpoint {
            host: host.into(),
            port: imap_port,
            security,
            user: ADDRESS.into(),
        },
        imap_password: Some(PASSWORD.into()),
        smtp: Some(Endpoint {
            host: host.into(),
            port: smtp_port,
            security,
            user: String::new(),
        }),
        smtp_password: None,
        poll_seconds: 1,
        closed_policy: ClosedTicketPolicy::NewLinked,
        enabled: true,
    }
}

/// Asserts every probe step passed (connect with `how`, login, folders, send); returns the
/// subject of the probe mail.
fn passed(report: &ProbeReport, how: &str) -> String {
    crate::channels::all_four_steps_passed(report);
    assert!(report.steps[0].detail.ends_with(how), "{report:?}");
    let sent = &report.steps[3].detail;
    sent.split('"')
        .nth(1)
        .unwrap_or_else(|| panic!("no subject in {sent:?}"))
        .to_owned()
}

/// The detail of a probe that stopped at connecting to IMAP.
fn refused_at_connect(report: &ProbeReport) -> &str {
    assert_eq!(report.steps.len(), 1, "{report:?}");
    let step = &report.steps[0];
    assert_eq!((step.kind, step.ok), (ProbeStepKind::ImapConnect, false));
    &step.detail
}

/// A relay from 127.0.0.2 (an address of this machine the certificate does not name) to
/// 127.0.0.1:`to`; returns its port.
async fn relay_from_127_0_0_2(to: u16) -> u16 {
    let listener = TcpListener::bind(("127.0.0.2", 0))
        .await
        .expect("bind 127.0.0.2 (Linux routes 127.0.0.0/8 to the loopback interface)");
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", to)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    port
}

/// A mail from the customer to the TLS mailbox, subject `subject`.
fn customer_mail(subject: &str, tag: &str) -> OutgoingEmail {
    OutgoingEmail {
        mailbox: None,
        to: EmailAddress::parse(ADDRESS).unwrap(),
        cc: Vec::new(),
        subject: subject.into(),
        message_id: format!("{tag}@customer.test"),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: false,
        body: "Sent and fetched over TLS.\n".into(),
    }
}

#[tokio::test]
async fn tls_and_starttls_with_a_private_ca() {
    ensure_tls_mail_servers().await;
    let ca = ca_file();
    let tag = support::unique_tag("tls");
    let (url, _dir) = support::fresh_sqlite();
    let node = http::node(
        &url,
        &[
            ("node_id", "tls-node"),
            ("worker", "0"),
            ("tls_ca_file", &ca),
        ],
    )
    .await;
    let admin = node.channels.clone();
    assert_eq!(admin.supervisor().tls().extra_roots(), 1, "the test CA");
    let mut cleanup: Vec<String> = Vec::new();

    // "Test this mailbox" over implicit TLS (by name) and over STARTTLS (by IP address).
    let tls = settings("localhost", TransportSecurity::Tls, IMAPS, SMTPS);
    let report = admin.probe(tls.clone()).await.unwrap();
    cleanup.push(passed(&report, "over TLS"));
    let starttls = settings("127.0.0.1", TransportSecurity::StartTls, 1143, 2525);
    let report = admin.probe(starttls.clone()).await.unwrap();
    cleanup.push(passed(&report, "upgraded with STARTTLS"));

    // A name the certificate does not carry: refused, and the message says so.
    let relay = relay_from_127_0_0_2(IMAPS).await;
    let mut other_name = tls.clone();
    other_name.imap.host = "127.0.0.2".into();
    other_name.imap.port = relay;
    let report = admin.probe(other_name).await.unwrap();
    let detail = refused_at_connect(&report);
    assert!(
        detail.contains(
            "its certificate is not valid for the name 127.0.0.2 (it is for localhost, 127.0.0.1)"
        ),
        "{detail}"
    );

    // Saved, the mailbox is fetched over imaps: a customer's mail sent over smtps (trusting
    // the same CA) becomes a ticket.
    admin.save(None, tls.clone(), true).await.unwrap();
    eventually(5, "fetching starts", || async {
        (admin.supervisor().fetching().await == ["tls"]).then_some(())
    })
    .await;
    let trust = TlsTrust::with_ca_file(&ca).unwrap();
    let customer = SmtpAccount {
        from: EmailAddress::parse("customer@customer.test").unwrap(),
        host: "localhost".into(),
        port: SMTPS,
        security: TransportSecurity::Tls,
        user: None,
        password: String::new(),
    };
    let subject = format!("Printer on fire {tag}");
    SmtpMailer::with_trust(&customer, &trust)
        .unwrap()
        .send(customer_mail(&subject, &tag))
        .await
        .unwrap();
    cleanup.push(subject);
    let tickets = eventually(10, "the mail fetched over TLS becomes a ticket", || async {
        let t = tagged(&node.store, &tag).await;
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert_eq!(tickets.len(), 1);
    let health = admin
        .overview()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == "tls")
        .unwrap()
        .health;
    assert_eq!(health.last_error, None);

    // The node's own mailers (built by the supervisor) send over TLS with the CA too.
    let reply_subject = format!("Re: Printer on fire {tag} (node mailer)");
    let mut reply = customer_mail(&reply_subject, &format!("{tag}.reply"));
    reply.mailbox = Some("tls".into());
    admin.supervisor().mailers().send(reply).await.unwrap();
    cleanup.push(reply_subject);

    // The webpki roots alone do not know the private CA: the probe stops at connecting and
    // says why, over implicit TLS and over STARTTLS; SMTP refuses it too.
    let webpki = lossless_server::email::supervisor::MailboxSupervisor::new(
        node.ports.clone(),
        "tls-webpki".into(),
        admin.supervisor().base_settings().clone(),
        std::sync::Arc::new(lossless_server::email::smtp::SmtpMailers::default()),
        TlsTrust::webpki(),
        false,
    );
    let untrusting = lossless_server::email::channels::Channels::new(node.ports.clone(), webpki);
    for s in [tls.clone(), starttls.clone()] {
        let report = untrusting.probe(s).await.unwrap();
        let detail = refused_at_connect(&report);
        assert!(
            detail.contains("certificate is signed by an authority we do not trust")
                && detail.contains("tls_ca_file"),
            "{detail}"
        );
    }
    let mut smtp_only = tls.clone();
    smtp_only.imap = starttls.imap.clone();
    smtp_only.imap.security = TransportSecurity::Plain;
    let report = untrusting.probe(smtp_only).await.unwrap();
    let last = report.steps.last().unwrap();
    assert_eq!(
        (last.kind, last.ok, report.steps.len()),
        (ProbeStepKind::SmtpSend, false, 4),
        "{report:?}"
    );
    assert!(
        last.detail.starts_with(
            "could not send through localhost:2465: the TLS handshake with localhost failed: \
             its certificate is signed by an authority we do not trust"
        ),
        "{}",
        last.detail
    );
    let e = SmtpMailer::new(&customer)
        .unwrap()
        .send(customer_mail(&format!("never sent {tag}"), &tag))
        .await
        .unwrap_err();
    assert!(
        e.reason.starts_with("smtp: the TLS handshake with localhost failed: its certificate is signed by an authority we do not trust"),
        "{e}"
    );
    // A certificate problem can be fixed: retried, not failed for good.
    assert!(!e.permanent, "{e:?}");

    node.stop().await;
    for subject in cleanup {
        delete_found(ADDRESS, PASSWORD, &format!("HEADER Subject \"{subject}\"")).await;
    }
}
