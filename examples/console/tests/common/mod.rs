//! A small browser stand-in for the console's router: it keeps cookies
//! (the session and `lang`), picks up the CSRF token from each page, and
//! sends requests through `tower::ServiceExt::oneshot`.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use cres_admin::{
    AccountNumber, Actor, AddUserForm, AsyncDirectory, Directory, GroupId, MemoryStore, Password,
    PasswordHashing,
};
use cres_console::{Options, app};
use tower::ServiceExt;

pub const SUPPORT_PASSWORD: &str = "support-secret-for-the-tests";
pub const ACCOUNT: AccountNumber = AccountNumber::new(12345);
pub const OTHER: AccountNumber = AccountNumber::new(67890);
pub const ALICE: &str = "alice@example.com";
pub const ALICE_PASSWORD: &str = "Kq7-vTz4Lm-Rw9";
pub const DAVE: &str = "dave@example.com";
pub const DAVE_PASSWORD: &str = "Pz3-mRc7Xq-Hn2";
pub const ERIN: &str = "erin@example.com";
pub const ERIN_PASSWORD: &str = "Wb5-hGt8Ns-Yc4";

/// A directory with cheap hashing (tests only) and the console over it.
pub fn console() -> (Router, AsyncDirectory<MemoryStore>) {
    let directory = AsyncDirectory::new(
        Directory::new(MemoryStore::new()).with_password_hashing(PasswordHashing::insecure_fast()),
    );
    let router = app(directory.clone(), SUPPORT_PASSWORD, Options::default())
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    (router, directory)
}

/// The guide's start: account 12345 with alice its administrator;
/// account 67890 with dave its administrator; erin a plain user of 12345.
pub async fn seeded() -> (Router, AsyncDirectory<MemoryStore>) {
    let (router, directory) = console();
    let support = Actor::Support;
    for (account, name, admin, password) in [
        (ACCOUNT, "Example Corp", ALICE, ALICE_PASSWORD),
        (OTHER, "Other Corp", DAVE, DAVE_PASSWORD),
    ] {
        directory
            .create_account(&support, account, name)
            .await
            .unwrap();
        let form = AddUserForm::new(admin, "Some", "Admin", Password::new(password));
        directory.add_user(&support, account, &form).await.unwrap();
        directory
            .add_to_group(&support, GroupId::administrators(account), admin)
            .await
            .unwrap();
    }
    let form = AddUserForm::new(ERIN, "Erin", "Example", Password::new(ERIN_PASSWORD));
    directory.add_user(&support, ACCOUNT, &form).await.unwrap();
    (router, directory)
}

/// An answer, its body read.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// Where a redirect leads.
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// `div#message`: its class and its text (entities decoded).
    pub fn message(&self) -> Option<(String, String)> {
        let start = self.body.find("<div id=\"message\" class=\"")?;
        let rest = &self.body[start + "<div id=\"message\" class=\"".len()..];
        let class = rest[..rest.find('"')?].to_owned();
        let text_start = rest.find('>')? + 1;
        let text_end = rest.find("</div>")?;
        Some((class, unescape(&rest[text_start..text_end])))
    }

    /// The page's text with entities decoded (tags left in).
    pub fn text(&self) -> String {
        unescape(&self.body)
    }
}

/// Decodes the entities askama writes.
pub fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One browser: cookies and the last CSRF token seen.
pub struct Browser {
    router: Router,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub accept_language: Option<String>,
}

impl Browser {
    pub fn new(router: &Router) -> Browser {
        Browser {
            router: router.clone(),
            cookies: BTreeMap::new(),
            csrf: None,
            accept_language: None,
        }
    }

    /// Sets the `lang` cookie, as the switcher would.
    pub fn lang(&mut self, code: &str) {
        self.cookies.insert("lang".into(), code.into());
    }

    async fn send(&mut self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if name == "cres_session" {
                // A new session id may come with a new token: read it again.
                self.csrf = None;
            }
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        if let Some(at) = body.find("name=\"csrf_token\" value=\"") {
            let rest = &body[at + "name=\"csrf_token\" value=\"".len()..];
            self.csrf = Some(rest[..rest.find('"').unwrap()].to_owned());
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookies: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            builder = builder.header(header::COOKIE, cookies.join("; "));
        }
        if let Some(accept) = &self.accept_language {
            builder = builder.header(header::ACCEPT_LANGUAGE, accept);
        }
        builder
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        self.send(request).await
    }

    /// Posts `fields` with the session's CSRF token (fetched first if none
    /// was seen yet).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        if self.csrf.is_none() {
            self.get("/sign-in").await;
        }
        let token = self.csrf.clone().unwrap();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly `fields`, whatever the token.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            form.append_pair(name, value);
        }
        let request = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.finish()))
            .unwrap();
        self.send(request).await
    }

    /// Signs in as a user; the answer is the sign-in's redirect.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.post("/sign-in", &[("email", email), ("password", password)])
            .await
    }

    /// Signs in as Customer Support.
    pub async fn sign_in_support(&mut self) -> Answer {
        self.post("/sign-in/support", &[("password", SUPPORT_PASSWORD)])
            .await
    }

    /// Follows a redirect answer with a GET.
    pub async fn follow(&mut self, answer: &Answer) -> Answer {
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let to = answer.location().to_owned();
        self.get(&to).await
    }
}
