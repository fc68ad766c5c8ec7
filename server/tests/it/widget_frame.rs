//! The widget's frame page and static files (issue 7, `server/src/http/widget_frame.rs`) on a
//! real node, on both databases: the frame of an active site is served with
//! `frame-ancestors` listing exactly the site's origins (and no `X-Frame-Options`), in the
//! asked language when the site offers it and its first language otherwise, with every
//! site text escaped; an unknown, malformed or switched-off key is a plain 404; the frame's
//! script and style are cached for a year under their current content hash and revalidated
//! otherwise; the loader is cached briefly; precompressed copies are sent when accepted.

use crate::http::node;
use crate::support;
use lossless::actor::{Actor, Role};
use lossless::widget::SiteInput;
use lossless_server::Server;

fn url(s: &Server, path: &str) -> String {
    format!("http://{}{path}", s.addr)
}

fn site_root(dir: &std::path::Path) -> std::path::PathBuf {
    let root = dir.join("site");
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("widget.js"), "/* loader */").unwrap();
    std::fs::write(root.join("widget.js.gz"), "GZ").unwrap();
    std::fs::write(root.join("widget-frame.js"), "/* frame */").unwrap();
    std::fs::write(root.join("widget-frame.css"), "body{}").unwrap();
    root
}

#[tokio::test]
async fn frame_page_and_files() {
    support::on_both_databases(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let root = site_root(dir.path());
        let s = node(&db, &[("site_root", root.to_str().unwrap())]).await;
        let admin = s
            .ports
            .store
            .agent_by_email(&lossless::ids::EmailAddress::parse("admin@example.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        let actor = Actor::Agent {
            id: admin.0.id,
            role: Role::Admin,
        };
        let input = SiteInput {
            name: "Tea <&> \"Co\"".into(),
            colour: "#0a0".into(),
            greeting_ru: "Здравствуйте!".into(),
            greeting_en: "Hello <there>".into(),
            languages: vec!["ru".into()],
            allowed_origins: "https://shop.example\nhttp://127.0.0.2:8080".into(),
            chat: true,
            ..SiteInput::default()
        };
        let site = lossless::services::widget::save_site(&s.ports, &actor, None, &input)
            .await
            .unwrap();
        let key = site.key.as_str().to_owned();
        let c = reqwest::Client::new();

        // English asked, but the site offers only Russian.
        let r = c
            .get(url(&s, &format!("/widget/v1/frame/{key}?lang=en")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.ends_with("frame-ancestors https://shop.example http://127.0.0.2:8080"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self'"));
        assert!(h.get("x-frame-options").is_none());
        assert_eq!(h["cache-control"], "no-cache");
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = r.text().await.unwrap();
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"ru\">"));
        assert!(html.contains("<h1>Tea &lt;&amp;&gt; &quot;Co&quot;</h1>"));
        assert!(html.contains("Здравствуйте!"));
        assert!(!html.contains("<there>"));
        assert!(html.contains("--accent:#00aa00"));
        assert!(html.contains(&format!("data-key=\"{key}\"")));
        assert!(html.contains("data-origins=\"https://shop.example http://127.0.0.2:8080\""));
        // The texts travel as escaped JSON, in the page's language.
        assert!(html.contains("&quot;send&quot;:&quot;Отправить&quot;"));
        let version = html
            .split("/widget-frame.js?v=")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        assert_eq!(version.len(), 16);

        // The frame's script under its current hash: cached for a year; otherwise revalidated.
        let r = c
            .get(url(&s, &format!("/widget-frame.js?v={version}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        assert_eq!(r.text().await.unwrap(), "/* frame */");
        let r = c
            .get(url(&s, "/widget-frame.css?v=0000000000000000"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert_eq!(r.text().await.unwrap(), "body{}");

        // The loader: a short cache, precompressed when accepted, loadable cross-origin.
        let r = c
            .get(url(&s, "/widget.js"))
            .header("accept-encoding", "identity")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["cache-control"], "public, max-age=300");
        assert_eq!(r.headers()["cross-origin-resource-policy"], "cross-origin");
        assert!(r.headers().get("last-modified").is_some());
        assert_eq!(r.text().await.unwrap(), "/* loader */");
        let r = c
            .get(url(&s, "/widget.js"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");

        // Unknown, malformed and switched-off keys: the same plain 404.
        for path in [
            "/widget/v1/frame/nosuchsite".to_owned(),
            "/widget/v1/frame/BAD%20KEY".to_owned(),
        ] {
            let r = c.get(url(&s, &path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
            assert!(r.headers().get("content-security-policy").is_none());
        }
        lossless::services::widget::set_site_active(&s.ports, &actor, site.id, false)
            .await
            .unwrap();
        let r = c
            .get(url(&s, &format!("/widget/v1/frame/{key}?lang=en")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("This chat is not available.")
        );
        s.stop().await;
    })
    .await;
}
