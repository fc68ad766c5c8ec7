//! Golden tests for the inbound mail parser (house rule 11): every `*.eml` under
//! `tests/fixtures/email/` is parsed and compared with its `NAME.expected.json`; a mismatch names
//! the fixture and each differing JSON path. `UPDATE_GOLDEN=1` rewrites the expected files
//! instead. A second test feeds truncated and corrupted variants of every fixture to the parser
//! and only requires that it returns (no panic, no stack overflow).

use lossless_server::email::parse::parse;
use serde_json::{Value, json};
use std::fs;
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email")
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect()
}

fn actual_json(raw: &[u8]) -> Value {
    match parse(raw) {
        Ok(mail) => {
            let mut v = serde_json::to_value(&mail).unwrap();
            // Display-time trimming (issue 3, point 3), golden-tested with the parse.
            let d = lossless::email::split_for_display(&mail.text);
            v["display"] = json!({
                "new": d.new,
                "quoted_lines": d.quoted_lines(),
                "signature": d.signature,
            });
            v
        }
        Err(e) => json!({ "parse_failure": e.reason }),
    }
}

/// Appends one line per differing leaf: `path: expected … got …`.
fn diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let mut keys: Vec<&String> = e.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{path}.{k}");
                diff(
                    &p,
                    e.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected {} items, got {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        (e, a) if e != a => out.push(format!("{path}: expected {}, got {}", short(e), short(a))),
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        format!(
            "{}… ({} chars)",
            s.chars().take(300).collect::<String>(),
            s.chars().count()
        )
    } else {
        s
    }
}

#[test]
fn golden_fixtures() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 40,
        "expected at least 40 fixtures, found {}",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for (name, raw) in &fixtures {
        let actual = actual_json(raw);
        let expected_path = fixtures_dir().join(format!("{name}.expected.json"));
        if update {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            fs::write(&expected_path, text).unwrap();
            continue;
        }
        let Ok(text) = fs::read_to_string(&expected_path) else {
            failures.push(format!(
                "{name}: {} is missing (run with UPDATE_GOLDEN=1)",
                expected_path.display()
            ));
            continue;
        };
        let expected: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}.expected.json is not JSON: {e}"));
        let mut lines = Vec::new();
        diff("", &expected, &actual, &mut lines);
        if !lines.is_empty() {
            failures.push(format!("{name}:\n    {}", lines.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} email fixtures differ (UPDATE_GOLDEN=1 rewrites them after an intended change):\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// Deterministic xorshift so failures reproduce.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n.max(1)
    }
}

fn variants(raw: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // Truncations: many short prefixes and evenly spread longer ones.
    let step = (raw.len() / 40).max(1);
    for len in (0..raw.len().min(300))
        .step_by(7)
        .chain((0..raw.len()).step_by(step))
    {
        out.push(raw[..len].to_vec());
    }
    // Random byte corruption (including NUL, CR, LF, '-', '=' which steer MIME parsing).
    let specials = [0u8, b'\r', b'\n', b'-', b'=', b'"', b';', b':', 0xff, 0xd0];
    for _ in 0..12 {
        let mut v = raw.to_vec();
        for _ in 0..(1 + rng.below(20)) {
            let i = rng.below(v.len());
            if let Some(b) = v.get_mut(i) {
                *b = specials[rng.below(specials.len())];
            }
        }
        out.push(v);
    }
    // Structural damage: line endings swapped, boundaries removed, slices deleted/duplicated.
    out.push(raw.iter().copied().filter(|&b| b != b'\r').collect());
    out.push(
        raw.iter()
            .flat_map(|&b| if b == b'\n' { vec![b'\r'] } else { vec![b] })
            .collect(),
    );
    let text = String::from_utf8_lossy(raw);
    out.push(text.replace("\n--", "\n").into_bytes());
    out.push(text.replace("boundary", "bound").into_bytes());
    out.push(text.replace("base64", "quoted-printable").into_bytes());
    for _ in 0..6 {
        let a = rng.below(raw.len());
        let b = (a + rng.below(400)).min(raw.len());
        let mut cut = raw[..a].to_vec();
        cut.extend_from_slice(&raw[b..]);
        out.push(cut);
        let mut dup = raw[..b].to_vec();
        dup.extend_from_slice(&raw[a..]);
        out.push(dup);
    }
    out
}

#[test]
fn garbage_and_truncated_fixtures_never_panic() {
    let mut runs = 0;
    for (name, raw) in fixtures() {
        // Seeded per fixture, so adding a fixture never changes another one's variants.
        let mut rng = Rng(name.bytes().fold(0x9e37_79b9_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        }) | 1);
        for v in variants(&raw, &mut rng) {
            let result = std::panic::catch_unwind(|| parse(&v));
            assert!(
                result.is_ok(),
                "{name}: parser panicked on a variant of {} bytes",
                v.len()
            );
            if let Ok(Err(e)) = &result {
                assert!(
                    !e.reason.contains("MIME parser failed"),
                    "{name}: mail-parser panicked internally on {:?}",
                    String::from_utf8_lossy(&v[..v.len().min(200)])
                );
            }
            runs += 1;
        }
    }
    assert!(runs > 1000);
}

#[test]
fn deep_nesting_does_not_overflow_a_small_stack() {
    // Tokio worker threads have 2 MiB stacks; the parser must bound its recursion.
    let mut nested_messages = String::new();
    let mut nested_multiparts = String::new();
    for i in 0..3000 {
        nested_messages.push_str(&format!(
            "From: a{i}@example.com\r\nContent-Type: message/rfc822\r\n\r\n"
        ));
        nested_multiparts.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let a = parse(format!("Subject: deep\r\n{nested_messages}end\r\n").as_bytes())
                .map(|m| m.attachments.len());
            let b = parse(format!("Subject: deep\r\n{nested_multiparts}end\r\n").as_bytes())
                .map(|m| m.text);
            (a.is_ok(), b.is_ok())
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), (true, true));
}

/// Found by the variants above: a DSN with part of its body repeated (a report part's headers
/// cut into the returned message's) trips a `debug_assert!` inside mail-parser 0.11.9
/// ("Invalid part ID, could not find multipart"; compiled out of release builds). The parser
/// must still answer — in a debug build with the "MIME parser failed" dead letter — and
/// never take the process down.
#[test]
fn a_mail_parser_debug_assertion_becomes_a_result_not_a_crash() {
    let raw = fs::read(fixtures_dir().join("dsn_postfix_bounce.eml")).unwrap();
    let v = [&raw[..2010], &raw[1730..]].concat();
    let result = std::panic::catch_unwind(|| parse(&v));
    assert!(result.is_ok(), "parse panicked");
    if cfg!(debug_assertions) {
        let e = result.unwrap().unwrap_err();
        assert!(e.reason.contains("MIME parser failed"), "{e}");
    }
}
