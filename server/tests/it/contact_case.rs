//! Email addresses that differ only in letter case are one contact (issue 6 follow-up, see
//! `lossless::contact`), on both databases: intake from `Maria@…`, `maria@…` and `MARIA@…`
//! finds one contact that keeps the spelling first seen (stored values are never rewritten,
//! no second handle is added); another local part is another contact; a contact edit cannot
//! take an address another contact owns in a different letter case.

use crate::support::{self, SqlStore, on_both_databases};
use chrono::{TimeZone, Utc};
use lossless::contact::{ContactEdit, Handle};
use lossless::ids::{ContactId, EmailAddress, Lang};
use lossless::intake::RawRequest;
use lossless::ports::{Store as _, StoreError};
use lossless::services::{self, Ports};
use lossless::ticket::Channel;

async fn submit(p: &Ports, email: &str) -> ContactId {
    let raw = RawRequest {
        name: "Maria".into(),
        email: email.into(),
        subject: format!("From {email}"),
        message: "Hello".into(),
        ..Default::default()
    };
    let valid = raw.validate(Channel::Api, Lang::En).unwrap();
    services::submit_request(p, valid, None, lossless_server::http::new_portal_token())
        .await
        .unwrap()
        .ticket
        .contact_id
}

fn email(s: &str) -> Handle {
    Handle::Email(EmailAddress::parse(s).unwrap())
}

#[tokio::test]
async fn email_local_parts_match_in_any_letter_case() {
    on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let t0 = Utc
            .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
            .single()
            .unwrap();
        let (p, _clock) = support::fixed_ports(&store, t0, Default::default());
        let maria = submit(&p, "Maria@Example.COM").await;
        assert_eq!(submit(&p, "maria@example.com").await, maria);
        assert_eq!(submit(&p, "MARIA@example.com").await, maria);
        let c = store.contact(maria).await.unwrap().unwrap();
        assert_eq!(
            c.handles,
            vec![email("Maria@example.com")],
            "the first spelling stays"
        );

        let mario = submit(&p, "mario@example.com").await;
        assert_ne!(mario, maria);
        // An edit cannot take Maria's address in another spelling…
        let edit = |handles: Vec<Handle>| ContactEdit {
            name: "Mario".into(),
            profile: Default::default(),
            notes: String::new(),
            handles,
        };
        assert_eq!(
            store
                .save_contact(
                    mario,
                    edit(vec![email("mario@example.com"), email("mAria@example.com")])
                )
                .await,
            Err(StoreError::Duplicate("handles"))
        );
        // …but may respell its own.
        store
            .save_contact(mario, edit(vec![email("Mario@example.com")]))
            .await
            .unwrap();
        assert_eq!(submit(&p, "mario@EXAMPLE.com").await, mario);
        let c = store.contact(mario).await.unwrap().unwrap();
        assert_eq!(c.handles, vec![email("Mario@example.com")]);
    })
    .await;
}
