//! The server as a process: what it prints, what it answers over real HTTP,
//! what it refuses to start with, and what it keeps on a SQLite store.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cres-scim-server");

/// A running server, killed when dropped.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT/scim/v2/12345`.
    base: String,
    token: String,
}

impl Server {
    /// Starts the server on a free port with `extra` arguments and reads
    /// its two lines.
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--fast-hashing"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = |prefix: &str| {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("stdout is readable");
            let rest = line
                .strip_suffix('\n')
                .and_then(|line| line.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("expected a line {prefix:?}…, got {line:?}"));
            rest.to_owned()
        };
        let base = line("SCIM base URL: ");
        let token = line("Bearer token: ");
        Server {
            child,
            stdout,
            base,
            token,
        }
    }

    /// Stops the server and returns what it printed after its two lines.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        rest
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that returns every status as a response, not an error.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// GET `url`, with `Authorization: Bearer token` if given: the status, the
/// Content-Type and the body.
fn get(url: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = agent().get(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.call().expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .body_mut()
        .read_to_string()
        .expect("a readable body");
    (status, content_type, body)
}

#[test]
fn prints_its_base_url_and_token_and_serves_scim_with_the_token_only() {
    let server = Server::start(&[]);
    let port = server
        .base
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/scim/v2/12345"))
        .unwrap_or_else(|| panic!("unexpected base URL {:?}", server.base));
    assert_ne!(
        port.parse::<u16>().expect("a port number"),
        0,
        "the bound port"
    );
    assert!(!server.token.is_empty() && !server.token.contains(char::is_whitespace));

    let config = format!("{}/ServiceProviderConfig", server.base);
    let (status, content_type, body) = get(&config, Some(&server.token));
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/scim+json"),
        "{content_type}"
    );
    assert!(
        body.contains("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"),
        "{body}"
    );

    let (status, _, body) = get(&config, None);
    assert_eq!(status, 401, "{body}");
    let (status, _, body) = get(&config, Some("not-the-token"));
    assert_eq!(status, 401, "{body}");

    // Nothing but the two lines on stdout, whatever it served.
    assert_eq!(server.stop(), "");
}

#[test]
fn answers_404_outside_scim() {
    let server = Server::start(&[]);
    let root = server
        .base
        .strip_suffix("/scim/v2/12345")
        .expect("the base URL");
    for path in ["/", "/scim", "/scim/v2", "/scim/v3/12345/Users", "/health"] {
        let (status, _, _) = get(&format!("{root}{path}"), Some(&server.token));
        assert_eq!(status, 404, "{path}");
    }
}

#[test]
fn writes_locations_from_the_public_url() {
    let server = Server::start(&["--public-url", "https://scim.example.net/scim/v2/"]);
    assert_eq!(server.base, "https://scim.example.net/scim/v2/12345");
}

/// Runs the server with `args` and waits for it to exit.
fn exit_status(args: &[&str]) -> ExitStatus {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit with {args:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn refuses_a_non_loopback_address_and_bad_arguments() {
    assert_eq!(exit_status(&["--listen", "0.0.0.0:0"]).code(), Some(2));
    assert_eq!(exit_status(&["--listen"]).code(), Some(2));
    assert_eq!(exit_status(&["--bogus"]).code(), Some(2));
    assert_eq!(
        exit_status(&["--listen", "127.0.0.1:0", "--public-url", "ftp://x/scim/v2"]).code(),
        Some(2)
    );
}

#[test]
fn a_second_start_on_sqlite_keeps_the_account_and_revokes_the_first_token() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("scim.db");
    let path = path.to_str().expect("a UTF-8 path");

    let first = Server::start(&["--store", path]);
    let first_token = first.token.clone();
    drop(first);

    let second = Server::start(&["--store", path]);
    assert_ne!(second.token, first_token);
    let users = format!("{}/Users", second.base);
    let (status, _, body) = get(&users, Some(&second.token));
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = get(&users, Some(&first_token));
    assert_eq!(status, 401, "the first start's token still works: {body}");
}
