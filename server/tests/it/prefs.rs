//! Display preferences (issue 6, point 10) on both databases: each agent's language and time
//! zone are stored (defaults never overwrite a choice, an unknown zone is refused with its
//! field named), the saved language wins over cookie and browser on the next request, and
//! server-rendered times are in the agent's zone and language.

use crate::http::{node, submit};
use crate::support::{
    self, SqlStore, call_form, field_codes, get_page, json_of, on_both_databases,
};
use leptos::server_fn::ServerFn;
use lossless::actor::{Actor, Role};
use lossless::display::{DisplayPrefs, TimeZoneName, format_in};
use lossless::error::DomainError;
use lossless::ids::{AgentId, Lang};
use lossless::notification::EmailPrefs;
use lossless::ports::{Store as _, StoreError};
use lossless::services;
use lossless_app::api::auth::{SetLang, SignIn};
use lossless_app::api::prefs::{AdoptTimeZone, MyDisplayPrefs, SaveTimeZone};
use serde_json::json;

fn zone(s: &str) -> Option<TimeZoneName> {
    Some(TimeZoneName::parse(s).unwrap())
}

#[tokio::test]
async fn language_and_time_zone_are_stored_per_agent() {
    on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.expect("connect");
        let p = support::ports(&store);
        let ann = support::new_agent(&store, "ann", Role::Agent, Lang::Ru).await;
        let actor = Actor::Agent {
            id: ann,
            role: Role::Agent,
        };
        let mine = || services::prefs::my_display_prefs(&p, &actor);
        assert_eq!(mine().await.unwrap(), DisplayPrefs::default());
        let email = EmailPrefs {
            mentioned: false,
            ..EmailPrefs::default()
        };
        store.save_agent_prefs(ann, email).await.unwrap();

        // The first sign-in stores the language signed in with, also for alerts …
        let d = services::prefs::adopt_defaults(&p, ann, Lang::En)
            .await
            .unwrap();
        assert_eq!(d.lang, Some(Lang::En));
        assert_eq!(store.agent(ann).await.unwrap().unwrap().lang, Lang::En);
        // … and a later sign-in from a Russian browser does not overwrite it.
        let d = services::prefs::adopt_defaults(&p, ann, Lang::Ru)
            .await
            .unwrap();
        assert_eq!(d.lang, Some(Lang::En));

        // An unknown zone is refused with its field, and nothing is stored.
        for bad in ["Mars/Olympus", "+03:00", "europe/berlin"] {
            let err = services::prefs::save_my_time_zone(&p, &actor, bad, false)
                .await
                .unwrap_err();
            let DomainError::Invalid(f) = err else {
                panic!("{bad}: {err:?}")
            };
            assert_eq!(
                (f.0[0].field.as_str(), f.0[0].code.as_str()),
                ("time_zone", "invalid")
            );
        }
        assert_eq!(mine().await.unwrap().time_zone, None);

        // The browser's zone is taken while none is set, never over a choice.
        let adopt = |z: &'static str| services::prefs::save_my_time_zone(&p, &actor, z, true);
        assert_eq!(
            adopt("Europe/Berlin").await.unwrap().time_zone,
            zone("Europe/Berlin")
        );
        assert_eq!(
            adopt("Asia/Tokyo").await.unwrap().time_zone,
            zone("Europe/Berlin")
        );
        let d = services::prefs::save_my_time_zone(&p, &actor, " Asia/Tokyo ", false)
            .await
            .unwrap();
        assert_eq!(d.time_zone, zone("Asia/Tokyo"));

        // Choosing a language keeps the zone (and the email preferences).
        let d = services::prefs::save_my_lang(&p, &actor, Lang::Ru)
            .await
            .unwrap();
        assert_eq!(
            d,
            DisplayPrefs {
                lang: Some(Lang::Ru),
                time_zone: zone("Asia/Tokyo"),
            }
        );
        assert_eq!(mine().await.unwrap(), d);
        assert_eq!(store.agent(ann).await.unwrap().unwrap().lang, Lang::Ru);
        assert_eq!(store.agent_prefs(ann).await.unwrap(), email);

        // A row first made for the zone starts with every email alert on.
        let bob = support::new_agent(&store, "bob", Role::Agent, Lang::En).await;
        let bob_actor = Actor::Agent {
            id: bob,
            role: Role::Agent,
        };
        services::prefs::save_my_time_zone(&p, &bob_actor, "UTC", false)
            .await
            .unwrap();
        assert_eq!(store.agent_prefs(bob).await.unwrap(), EmailPrefs::default());
        assert_eq!(
            store.display_prefs(bob).await.unwrap(),
            DisplayPrefs {
                lang: None,
                time_zone: zone("UTC"),
            }
        );
        assert_eq!(store.agent(bob).await.unwrap().unwrap().lang, Lang::En);

        // Nobody's preferences for an unknown agent.
        let ghost = DisplayPrefs {
            lang: Some(Lang::En),
            time_zone: None,
        };
        assert!(matches!(
            store
                .save_display_prefs(AgentId(999_999), ghost, false)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            services::prefs::my_display_prefs(&p, &Actor::System).await,
            Err(DomainError::Forbidden)
        ));
    })
    .await;
}

/// A same-origin form POST as a browser sends it (HTML wanted, `accept-language`) and an optional cookie; the status, the
/// `Set-Cookie` values and the body.
async fn post_form(
    s: &lossless_server::Server,
    path: &str,
    lang: &str,
    cookie: Option<&str>,
    body: &[(&str, &str)],
) -> (u16, Vec<String>, String) {
    let mut r = support::http_client()
        .post(format!("http://{}{path}", s.addr))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "text/html")
        .header("accept-language", lang)
        .form(body);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (r.status().as_u16(), cookies, r.text().await.unwrap())
}

/// The `name=value` of cookie `name` among `Set-Cookie` values.
fn cookie(set: &[String], name: &str) -> Option<String> {
    set.iter()
        .filter_map(|c| c.split(';').next())
        .find(|kv| kv.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The `lang` attribute of the page's `<html>`.
fn html_lang(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("an <html lang>") + 12;
    let len = html[start..].find('"').unwrap();
    &html[start..start + len]
}

#[tokio::test]
async fn the_saved_language_and_zone_drive_the_pages() {
    on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0")]).await;
        let sign_in = [
            ("email", "admin@example.com"),
            ("password", "admin-password"),
        ];

        // A visitor's switch only sets the cookie.
        let (status, set, _) = post_form(&s, SetLang::PATH, "ru", None, &[("lang", "en")]).await;
        assert!((300..400).contains(&status), "{status}");
        assert_eq!(cookie(&set, "lang").as_deref(), Some("lang=en"));

        // First sign-in from an English browser: English is stored and set as the cookie.
        let (status, set, body) = post_form(&s, SignIn::PATH, "en-GB,en", None, &sign_in).await;
        assert!((300..400).contains(&status), "{status} {body}");
        let session = cookie(&set, lossless_app::ssr::SESSION_COOKIE).expect("a session");
        assert_eq!(cookie(&set, "lang").as_deref(), Some("lang=en"));
        let (status, body) =
            call_form(&s, MyDisplayPrefs::PATH, Some(&session), support::NO_ARGS).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(json_of(&body), json!({"lang": "en", "time_zone": null}));

        // The saved language wins over a Russian cookie and browser; no zone yet: UTC.
        let addr = s.addr;
        let page = |cookie: String| async move {
            let r = support::http_client()
                .get(format!("http://{addr}/agent/settings"))
                .header("accept", "text/html")
                .header("accept-language", "ru")
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            let set: Vec<String> = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            (r.text().await.unwrap(), set)
        };
        // (and the page puts the cookie right, so the browser knows the saved language)
        let (html, set) = page(format!("lang=ru; {session}")).await;
        assert_eq!(html_lang(&html), "en", "{html}");
        assert_eq!(cookie(&set, "lang").as_deref(), Some("lang=en"));
        let (_, set) = page(format!("lang=en; {session}")).await;
        assert_eq!(cookie(&set, "lang"), None);
        assert!(!html.contains("data-tz="), "{html}");

        // Zones: an unknown one is a 422 naming the field; the browser's fills an empty one
        // only; the settings form's replaces it.
        let (status, body) = call_form(
            &s,
            SaveTimeZone::PATH,
            Some(&session),
            &[("zone", "Mars/Olympus")],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            field_codes(&body),
            vec![("time_zone".to_owned(), "invalid".to_owned())]
        );
        let (status, body) = call_form(
            &s,
            AdoptTimeZone::PATH,
            Some(&session),
            &[("zone", "Europe/Berlin")],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(json_of(&body)["time_zone"], "Europe/Berlin");
        let (status, body) = call_form(
            &s,
            SaveTimeZone::PATH,
            Some(&session),
            &[("zone", "Asia/Tokyo")],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(json_of(&body)["time_zone"], "Asia/Tokyo");
        let (_, body) = call_form(
            &s,
            AdoptTimeZone::PATH,
            Some(&session),
            &[("zone", "Europe/Berlin")],
        )
        .await;
        assert_eq!(json_of(&body)["time_zone"], "Asia/Tokyo");
        let (status, _) = call_form(&s, SaveTimeZone::PATH, None, &[("zone", "Asia/Tokyo")]).await;
        assert_eq!(status, 401);

        // The switcher of a signed-in agent saves the language: the next request without
        // any language cookie, from an English browser, is Russian, with times in Tokyo.
        let (status, _, _) =
            post_form(&s, SetLang::PATH, "en", Some(&session), &[("lang", "ru")]).await;
        assert!((300..400).contains(&status), "{status}");
        let t = submit(
            &s,
            &json!({"name": "Иван", "email": "ivan@example.ru", "message": "Не работает оплата"}),
        )
        .await;
        let (status, _, html) =
            get_page(&s, &format!("/agent/t/{}", t.number), Some(&session)).await;
        assert_eq!(status, 200, "{html}");
        assert_eq!(html_lang(&html), "ru");
        assert!(html.contains(r#"data-tz="Asia/Tokyo""#), "{html}");
        let shown = format_in(t.created_at, zone("Asia/Tokyo"), Lang::Ru);
        assert!(html.contains(&shown), "{shown} in {html}");
        assert!(
            !html.contains(&format_in(t.created_at, None, Lang::Ru)),
            "{html}"
        );

        // Signing in on another (English) browser: the saved language comes along.
        let (_, set, _) = post_form(&s, SignIn::PATH, "en", Some("lang=en"), &sign_in).await;
        assert_eq!(cookie(&set, "lang").as_deref(), Some("lang=ru"));
        let other = cookie(&set, lossless_app::ssr::SESSION_COOKIE).expect("a session");
        let (html, _) = page(format!("lang=en; {other}")).await;
        assert_eq!(html_lang(&html), "ru");

        // Visitors keep cookie / browser languages.
        let (_, _, html) = get_page(&s, "/agent/login", None).await;
        assert_eq!(html_lang(&html), "en");
        s.stop().await;
    })
    .await;
}
