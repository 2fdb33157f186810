//! `faultline catalog refresh` against a real EC2 API emulator (moto), reached through
//! a small local proxy that can answer with throttling errors or split responses into
//! pages the way EC2 does. `.ci/run` starts the emulator and sets
//! `FAULTLINE_TEST_EC2_ENDPOINT`; without it these tests say so and skip, except in CI.
#![cfg(feature = "aws")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn endpoint() -> Option<String> {
    match std::env::var("FAULTLINE_TEST_EC2_ENDPOINT") {
        Ok(e) => Some(e),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "FAULTLINE_TEST_EC2_ENDPOINT is not set in CI: .ci/run must start the EC2 emulator"
            )
        }
        Err(_) => {
            eprintln!("skipping: FAULTLINE_TEST_EC2_ENDPOINT is not set (run .ci/run to start the EC2 emulator)");
            None
        }
    }
}

/// `faultline` pointed at `endpoint`, with test credentials and no profile or config
/// from the machine it runs on.
fn command(endpoint: &str, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
    cmd.args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION");
    cmd
}

fn faultline(endpoint: &str, home: &Path, args: &[&str]) -> Output {
    command(endpoint, home, args).output().unwrap()
}

/// What the proxy does to requests on their way to the emulator.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Answer this many requests with EC2's throttling error first.
    throttle_first: usize,
    /// Split DescribeInstanceTypes answers into pages of this many items.
    page_size: Option<usize>,
}

struct Proxy {
    url: String,
    throttled: Arc<AtomicUsize>,
    pages: Arc<AtomicUsize>,
}

fn proxy(upstream: &str, behaviour: Behaviour) -> Proxy {
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let throttled = Arc::new(AtomicUsize::new(0));
    let pages = Arc::new(AtomicUsize::new(0));
    let (t, p) = (throttled.clone(), pages.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (upstream, t, p) = (upstream.clone(), t.clone(), p.clone());
            std::thread::spawn(move || serve(conn, &upstream, behaviour, &t, &p));
        }
    });
    Proxy {
        url,
        throttled,
        pages,
    }
}

struct Request {
    head: Vec<String>,
    body: String,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let len = head
        .iter()
        .find_map(|h| {
            h.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn respond(out: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = out.flush();
}

fn serve(
    conn: TcpStream,
    upstream: &str,
    b: Behaviour,
    throttled: &AtomicUsize,
    pages: &AtomicUsize,
) {
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_request(&mut reader) {
        if throttled.fetch_add(1, Ordering::SeqCst) < b.throttle_first {
            respond(
                &mut out,
                "503 Service Unavailable",
                "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>throttle</RequestID></Response>",
            );
            continue;
        }
        throttled.fetch_sub(1, Ordering::SeqCst);
        let params: Vec<(String, String)> = req
            .body
            .split('&')
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        let paginate = b.page_size.filter(|_| {
            params
                .iter()
                .any(|(k, v)| k == "Action" && v == "DescribeInstanceTypes")
        });
        let (body, page) = match paginate {
            None => (req.body.clone(), None),
            Some(size) => {
                let token = params
                    .iter()
                    .find(|(k, _)| k == "NextToken")
                    .map_or(0, |(_, v)| v.parse().unwrap_or(0));
                let kept: Vec<String> = params
                    .iter()
                    .filter(|(k, _)| k != "NextToken" && k != "MaxResults")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                (kept.join("&"), Some((token, size)))
            }
        };
        let (status, mut answer) = forward(upstream, &req.head, &body);
        if let Some((start, size)) = page {
            pages.fetch_add(1, Ordering::SeqCst);
            answer = paginate_items(&answer, "instanceTypeSet", start, size);
        }
        respond(&mut out, &status, &answer);
    }
}

fn forward(upstream: &str, head: &[String], body: &str) -> (String, String) {
    let mut s = TcpStream::connect(upstream).unwrap();
    let mut req = format!("{}\r\n", head[0]);
    for h in &head[1..] {
        let lower = h.to_ascii_lowercase();
        if lower.starts_with("content-length:") || lower.starts_with("connection:") {
            continue;
        }
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status_line = head.lines().next().unwrap();
    let status = status_line.split_once(' ').unwrap().1.to_string();
    (status, body.to_string())
}

/// Keeps items `start..start+size` of the top-level `<item>`s inside `<set>` and adds a
/// `<nextToken>` when more remain, as EC2 does.
fn paginate_items(xml: &str, set: &str, start: usize, size: usize) -> String {
    let open = format!("<{set}>");
    let close = format!("</{set}>");
    let (Some(a), Some(z)) = (xml.find(&open), xml.rfind(&close)) else {
        return xml.to_string();
    };
    let inner = &xml[a + open.len()..z];
    let mut items = Vec::new();
    let (mut depth, mut begin, mut i) = (0usize, 0usize, 0usize);
    while i < inner.len() {
        if inner[i..].starts_with("<item>") {
            if depth == 0 {
                begin = i;
            }
            depth += 1;
            i += 6;
        } else if inner[i..].starts_with("</item>") {
            depth -= 1;
            i += 7;
            if depth == 0 {
                items.push(&inner[begin..i]);
            }
        } else {
            i += inner[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    let page: String = items.iter().skip(start).take(size).copied().collect();
    let next = if start + size < items.len() {
        format!("<nextToken>{}</nextToken>", start + size)
    } else {
        String::new()
    };
    format!(
        "{}{open}{page}{close}{next}{}",
        &xml[..a],
        &xml[z + close.len()..]
    )
}

const TOPOLOGY: &str = r#"version = 1
[system]
name = "refreshed"
regions = ["eu-west-1", "us-east-1"]
[services.api]
kind = "stateless"
peak_vcpu = 16
peak_memory_gib = 32
families = ["m7g", "c7g"]
max_spot_share = 0.5
[services.api.slo]
availability = 0.999
survive = ["zone", "region"]
"#;

#[test]
fn refresh_follows_pages_and_writes_a_catalog_that_validates() {
    let Some(ep) = endpoint() else { return };
    let home = tempfile::tempdir().unwrap();
    let p = proxy(
        &ep,
        Behaviour {
            throttle_first: 0,
            page_size: Some(3),
        },
    );
    let out_path = home.path().join("catalog.toml");
    let out = faultline(
        &p.url,
        home.path(),
        &[
            "catalog",
            "refresh",
            "--regions",
            "eu-west-1,us-east-1",
            "--families",
            "m7g,c7g",
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // 8 m7g and 8 c7g sizes without metal: more than one page of 3 per region.
    assert!(
        p.pages.load(Ordering::SeqCst) >= 2 * 6,
        "pages: {}",
        p.pages.load(Ordering::SeqCst)
    );
    let text = std::fs::read_to_string(&out_path).unwrap();
    let catalog =
        faultline_models::catalog::Catalog::parse(&text).expect("refreshed catalog validates");
    assert_eq!(
        catalog.regions.keys().collect::<Vec<_>>(),
        ["eu-west-1", "us-east-1"]
    );
    for t in ["m7g.large", "m7g.16xlarge", "c7g.medium", "c7g.16xlarge"] {
        assert!(
            catalog.instance_types.contains_key(t),
            "{t} missing: pagination lost items"
        );
    }
    assert_eq!(catalog.instance_types["m7g.large"].vcpus, 2);
    assert_eq!(catalog.instance_types["m7g.large"].memory_gib, 8.0);
    let eu = &catalog.regions["eu-west-1"];
    assert_eq!(eu.zones.len(), eu.zone_ids.len());
    assert!(
        eu.zone_ids.iter().all(|z| z.starts_with("euw1-az")),
        "{:?}",
        eu.zone_ids
    );
    assert!(!catalog.offerings["eu-west-1"].zones["m7g.large"].is_empty());
    // On-demand prices are merged from the embedded catalog, with its source.
    assert_eq!(
        catalog
            .on_demand_price("us-east-1", "m7g.large")
            .unwrap()
            .to_string(),
        "0.0816"
    );
    assert!(catalog.spot_pool("us-east-1", "m7g.large").is_some());

    let topo = home.path().join("topology.toml");
    std::fs::write(&topo, TOPOLOGY).unwrap();
    let check = faultline(
        &p.url,
        home.path(),
        &[
            "--catalog",
            out_path.to_str().unwrap(),
            "validate",
            topo.to_str().unwrap(),
        ],
    );
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // It plans, priced from the merged on-demand figures.
    let planned = faultline(
        &p.url,
        home.path(),
        &[
            "--catalog",
            out_path.to_str().unwrap(),
            "plan",
            topo.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&planned.stdout).unwrap();
    assert!(
        plan["monthly_usd"].as_str().is_some_and(|m| m != "0"),
        "{plan}"
    );

    // And the change against the embedded catalog can be reviewed.
    let embedded = home.path().join("embedded.toml");
    std::fs::write(&embedded, faultline_models::catalog::EMBEDDED_TOML).unwrap();
    let diff = faultline(
        &p.url,
        home.path(),
        &[
            "catalog",
            "diff",
            embedded.to_str().unwrap(),
            out_path.to_str().unwrap(),
        ],
    );
    assert_eq!(diff.status.code(), Some(0));
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(diff.contains("regions ("), "{diff}");
    assert!(diff.contains("  - sa-east-1 (was "), "{diff}");
}

#[test]
fn throttled_calls_are_retried() {
    let Some(ep) = endpoint() else { return };
    let home = tempfile::tempdir().unwrap();
    let p = proxy(
        &ep,
        Behaviour {
            throttle_first: 4,
            page_size: None,
        },
    );
    let out_path = home.path().join("catalog.toml");
    let out = faultline(
        &p.url,
        home.path(),
        &[
            "catalog",
            "refresh",
            "--regions",
            "us-east-1",
            "--families",
            "t3",
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(p.throttled.load(Ordering::SeqCst) >= 4);
    assert!(out_path.is_file());
}

#[test]
fn an_unknown_region_fails_clearly_and_writes_nothing() {
    let Some(ep) = endpoint() else { return };
    let home = tempfile::tempdir().unwrap();
    let out_path = home.path().join("catalog.toml");
    let out = faultline(
        &ep,
        home.path(),
        &[
            "catalog",
            "refresh",
            "--regions",
            "us-east-1,mars-east-1",
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mars-east-1: DescribeRegions failed: `mars-east-1` is not an EC2 region"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(!out_path.exists());
}

#[test]
fn an_unreachable_endpoint_names_the_region_and_call() {
    let Some(_) = endpoint() else { return };
    let home = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out_path = home.path().join("catalog.toml");
    let out = faultline(
        &format!("http://{dead}"),
        home.path(),
        &[
            "catalog",
            "refresh",
            "--regions",
            "eu-west-1",
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("us-east-1: DescribeRegions failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("could not reach the EC2 endpoint"),
        "{stderr}"
    );
    assert!(!out_path.exists());
}

#[test]
fn missing_credentials_are_named_as_such() {
    let Some(ep) = endpoint() else { return };
    let home = tempfile::tempdir().unwrap();
    let out_path = home.path().join("catalog.toml");
    let out = command(
        &ep,
        home.path(),
        &[
            "catalog",
            "refresh",
            "--regions",
            "eu-west-1",
            "-o",
            out_path.to_str().unwrap(),
        ],
    )
    .env_remove("AWS_ACCESS_KEY_ID")
    .env_remove("AWS_SECRET_ACCESS_KEY")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DescribeRegions failed"), "{stderr}");
    assert!(stderr.contains("no usable credentials"), "{stderr}");
    assert!(!out_path.exists());
}
