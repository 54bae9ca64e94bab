//! The binary itself: what it prints at start, and that it serves.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The console, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the console with `args` and reads `lines` lines of its stdout.
fn start(args: &[&str], lines: usize) -> (Running, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cres-console"))
        .args(["--listen", "127.0.0.1:0", "--insecure-fast-hashing"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the console starts");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut reader = BufReader::new(stdout);
    let mut read = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        read.push(line.trim_end().to_owned());
    }
    (running, read)
}

/// GET `path` over plain HTTP/1.1; the status line and the body.
fn get(address: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or("").to_owned();
    (status, answer)
}

#[test]
fn it_prints_the_address_and_a_random_support_password_then_serves() {
    let (_console, lines) = start(&[], 2);
    let address = lines[0]
        .strip_prefix("Listening on http://")
        .expect("the first line gives the address")
        .to_owned();
    assert!(!address.ends_with(":0"), "the real port: {address}");
    let password = lines[1]
        .strip_prefix("Customer Support password: ")
        .expect("the second line gives the password");
    assert!(password.len() >= 20, "{password}");
    let (status, page) = get(&address, "/sign-in");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("<form id=\"support-sign-in\""));

    // Another start, another password.
    let (_again, lines) = start(&[], 2);
    assert_ne!(
        lines[1].strip_prefix("Customer Support password: "),
        Some(password)
    );
}

#[test]
fn demo_adds_alice_and_prints_her_password() {
    let (_console, lines) = start(&["--demo"], 3);
    assert!(lines[0].starts_with("Listening on http://127.0.0.1:"));
    assert!(lines[1].starts_with("Customer Support password: "));
    let alice = lines[2]
        .strip_prefix("alice@example.com password: ")
        .expect("the third line gives alice's password");
    assert!(alice.len() >= 20, "{alice}");
}

#[test]
fn the_support_password_can_come_from_a_file() {
    let file = std::env::temp_dir().join(format!("cres-console-support-{}", std::process::id()));
    std::fs::write(&file, "  a support password from a file\n").unwrap();
    let (_console, lines) = start(&["--support-password-file", file.to_str().unwrap()], 2);
    std::fs::remove_file(&file).ok();
    assert_eq!(
        lines[1],
        "Customer Support password: a support password from a file"
    );
}

#[test]
fn a_sqlite_store_keeps_the_demo_between_starts() {
    let dir = std::env::temp_dir().join(format!("cres-console-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("console.db");
    let path = path.to_str().unwrap();
    {
        let (_console, lines) = start(&["--store", path, "--demo"], 3);
        assert!(lines[2].starts_with("alice@example.com password: "));
    }
    let (_console, lines) = start(&["--store", path, "--demo"], 3);
    assert_eq!(
        lines[2],
        "alice@example.com password: (unchanged: alice@example.com already exists)"
    );
    drop(_console);
    std::fs::remove_dir_all(&dir).ok();
}
