//! The handlers of every route: each reads its form, calls one or two
//! operations of the `AsyncDirectory`, and renders a page or redirects
//! with the outcome kept for the next page.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use cres_admin::{
    AccountNumber, AccountQuery, Action, AddUserForm, AuditQuery, Cursor, Error, GroupId, Label,
    Localize, Message, PageSize, Password, RegistrationForm, Search, SecureMessageSent,
    ShowingGroups, ShowingUsers, SignIn, SignInSource, Store, UserQuery, UserStatus,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::Console;

/// The value of `result`, or the response it holds returned at once (a
/// refusal already rendered, a redirect to sign in).
macro_rules! or_respond {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}
use crate::context::{CSRF, Ctx, TICKET, Tr, WHO, Who, page, status_of};
use crate::views::{
    AccountRow, AccountsPage, AddToGroupPage, AddUserPage, AuditPage, AuditRowView, DetailsPage,
    GroupRow, GroupsPage, PasswordPage, RegisterPage, SecureMessagePage, SignInPage, UserRowView,
    UsersPage,
};

/// The headers every response carries.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; \
             form-action 'self'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `GET /style.css`.
pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../templates/style.css"),
    )
        .into_response()
}

/// Any other path: 404, localized.
pub(crate) async fn not_found(ctx: Ctx) -> Response {
    ctx.error_page(StatusCode::NOT_FOUND, ctx.tr.t(Label::PageNotFound))
        .await
}

/// A 303 to `to`.
fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// After a POST: the confirmation or the refusal kept for the page `to`,
/// and a 303 there. A refusal of authority is answered at once with 403.
async fn done<T: Localize>(ctx: &Ctx, result: Result<T, Error>, to: &str) -> Response {
    match result {
        Ok(confirmation) => {
            ctx.confirm(&confirmation).await;
            see_other(to)
        }
        Err(error @ Error::Forbidden(_)) => ctx.refused(&error).await,
        Err(error) => {
            ctx.refuse(&error).await;
            see_other(to)
        }
    }
}

/// The account a path names; `Err` is the 404 page.
async fn account_in_path(ctx: &Ctx, n: &str) -> Result<AccountNumber, Response> {
    match AccountNumber::parse(n) {
        Ok(number) => Ok(number),
        Err(_) => Err(not_found_page(ctx).await),
    }
}

async fn not_found_page(ctx: &Ctx) -> Response {
    ctx.error_page(StatusCode::NOT_FOUND, ctx.tr.t(Label::PageNotFound))
        .await
}

/// A time as the pages show it, and as `<time datetime>` wants it.
fn when(at: DateTime<Utc>) -> (String, String) {
    (at.format("%Y-%m-%d %H:%M UTC").to_string(), at.to_rfc3339())
}

fn yes_no(tr: &Tr, value: bool) -> String {
    tr.t(if value { Label::Yes } else { Label::No })
}

/// `path?after=CURSOR` (with `q` kept when there is one).
/// The link to the next page: the search kept, the cursor added.
fn next_href(path: &str, next: Option<&Cursor>, search: &[(&str, &str)]) -> Option<String> {
    next.map(|cursor| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in search.iter().filter(|(_, value)| !value.is_empty()) {
            query.append_pair(name, value);
        }
        query.append_pair("after", cursor.as_str());
        format!("{path}?{}", query.finish())
    })
}

/// The cursor a list's `after` parameter gives, if any.
fn cursor(after: Option<&str>) -> Result<Option<Cursor>, Error> {
    after
        .filter(|a| !a.is_empty())
        .map(Cursor::parse)
        .transpose()
}

/// Where someone lands after signing in.
async fn landing<S: Store + Send + Sync + 'static>(console: &Console<S>, who: &Who) -> String {
    match who {
        Who::Support => "/accounts".to_owned(),
        Who::User { id, .. } => match console
            .directory
            .administered_accounts(&cres_admin::Actor::User(*id))
            .await
        {
            Ok(accounts) if !accounts.is_empty() => format!("/accounts/{}", accounts[0]),
            _ => "/accounts".to_owned(),
        },
    }
}

/// Signs `who` in: a new session id, a new CSRF token, no pending ticket.
async fn start_session(ctx: &Ctx, who: &Who) {
    // The memory store does not fail; if it did, the session would simply
    // not be signed in.
    let _ = ctx.session.cycle_id().await;
    let _ = ctx.session.remove::<String>(TICKET).await;
    let _ = ctx.session.insert(WHO, who).await;
    let _ = ctx
        .session
        .insert(CSRF, crate::secrets::random_token())
        .await;
}

/// `GET /`: where the reader belongs.
pub(crate) async fn home<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
) -> Response {
    match &ctx.who {
        Some(who) => see_other(&landing(&console, who).await),
        None => see_other("/sign-in"),
    }
}

/// The language switcher's form.
#[derive(Deserialize)]
pub(crate) struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /lang`: the `lang` cookie, and back to the page.
pub(crate) async fn set_lang<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    Form(form): Form<LangForm>,
) -> Response {
    let next = if form.next.starts_with('/')
        && !form.next.starts_with("//")
        && !form.next.contains('\\')
        && form.next.len() <= 2048
    {
        form.next.as_str()
    } else {
        "/sign-in"
    };
    let mut response = see_other(next);
    if let Some(lang) = crate::Lang::from_code(&form.lang) {
        let secure = if console.options.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "lang={}; Path=/; Max-Age=31536000; SameSite=Strict; HttpOnly{secure}",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `GET /sign-in`.
pub(crate) async fn sign_in_page(ctx: Ctx) -> Response {
    let l = ctx.layout(ctx.tr.t(Label::SignIn)).await;
    page(&SignInPage { l })
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /sign-in`: a user signs in with the client's address as the
/// source of the attempt.
pub(crate) async fn sign_in<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ctx: Ctx,
    Form(form): Form<SignInForm>,
) -> Response {
    let source = SignInSource::new(&client.ip().to_string());
    let password = Password::new(form.password);
    match console
        .directory
        .authenticate(&source, &form.email, &password)
        .await
    {
        Ok(SignIn::SignedIn(profile)) => {
            let who = Who::User {
                id: profile.id,
                email: profile.email.to_string(),
            };
            start_session(&ctx, &who).await;
            see_other(&landing(&console, &who).await)
        }
        Ok(SignIn::PermanentPasswordRequired(ticket)) => {
            let _ = ctx.session.cycle_id().await;
            let _ = ctx.session.remove::<Who>(WHO).await;
            let previous = ctx.session.get::<String>(TICKET).await.ok().flatten();
            let key = console.keep_ticket(ticket, previous.as_deref());
            let _ = ctx.session.insert(TICKET, key).await;
            see_other("/password")
        }
        Ok(_) => {
            ctx.refuse(&Error::SignInRefused).await;
            see_other("/sign-in")
        }
        Err(error) => {
            ctx.refuse(&error).await;
            see_other("/sign-in")
        }
    }
}

/// Customer Support's form.
#[derive(Deserialize)]
pub(crate) struct SupportForm {
    #[serde(default)]
    password: String,
}

/// `POST /sign-in/support`: the password printed at start, compared in
/// constant time (as SHA-256 digests, so the length does not show).
pub(crate) async fn support_sign_in<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Form(form): Form<SupportForm>,
) -> Response {
    let typed: [u8; 32] = Sha256::digest(form.password.as_bytes()).into();
    if bool::from(typed.ct_eq(&*console.support_digest)) {
        start_session(&ctx, &Who::Support).await;
        see_other("/accounts")
    } else {
        ctx.refuse(&Error::SignInRefused).await;
        see_other("/sign-in")
    }
}

/// `POST /sign-out`.
pub(crate) async fn sign_out<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
) -> Response {
    if let Ok(Some(key)) = ctx.session.get::<String>(TICKET).await {
        console.forget_ticket(&key);
    }
    let _ = ctx.session.flush().await;
    see_other("/sign-in")
}

/// The ticket this session holds, with its key; `Err` sends to sign-in.
async fn pending_ticket<S: Store + Send + Sync + 'static>(
    console: &Console<S>,
    ctx: &Ctx,
) -> Result<(String, cres_admin::PasswordChangeTicket), Response> {
    let key = ctx.session.get::<String>(TICKET).await.ok().flatten();
    match key.and_then(|key| console.ticket(&key).map(|ticket| (key, ticket))) {
        Some(found) => Ok(found),
        None => {
            ctx.flash(false, ctx.tr.t(Label::NotSignedIn)).await;
            Err(see_other("/sign-in"))
        }
    }
}

/// `GET /password`.
pub(crate) async fn password_page<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
) -> Response {
    if let Err(response) = pending_ticket(&console, &ctx).await {
        return response;
    }
    let intro = ctx.tr.m(&Message::new("permanent-password-required"));
    let l = ctx.layout(ctx.tr.t(Label::ChangePassword)).await;
    page(&PasswordPage { l, intro })
}

/// The permanent password form.
#[derive(Deserialize)]
pub(crate) struct NewPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /password`: the permanent password (R7); the user is then
/// signed in.
pub(crate) async fn set_password<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Form(form): Form<NewPasswordForm>,
) -> Response {
    let (key, ticket) = or_respond!(pending_ticket(&console, &ctx).await);
    let new = Password::new(form.new_password);
    let confirm = Password::new(form.confirm_password);
    match console
        .directory
        .set_permanent_password(&ticket, &new, &confirm)
        .await
    {
        Ok(changed) => {
            console.forget_ticket(&key);
            let who = Who::User {
                id: changed.user.id,
                email: changed.user.email.to_string(),
            };
            start_session(&ctx, &who).await;
            ctx.confirm(&changed).await;
            see_other(&landing(&console, &who).await)
        }
        Err(error) => {
            ctx.refuse(&error).await;
            see_other("/password")
        }
    }
}

/// A list's paging and search parameters.
#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    after: Option<String>,
    q: Option<String>,
    /// The Users tab: the start of an email.
    email: Option<String>,
    /// The Users tab: a part of a first or last name.
    name: Option<String>,
}

/// `GET /accounts`: every account for Customer Support (searchable, a
/// page at a time); the accounts a user administers.
pub(crate) async fn accounts<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let q = query.q.unwrap_or_default();
    let mut rows = Vec::new();
    let mut next = None;
    let support = matches!(ctx.who, Some(Who::Support));
    if support {
        let result = async {
            let mut list = AccountQuery::new().search(Search::parse(&q)?);
            if let Some(after) = cursor(query.after.as_deref())? {
                list = list.after(after);
            }
            console.directory.accounts(&actor, &list).await
        }
        .await;
        let found = match result {
            Ok(found) => found,
            Err(error) => return ctx.refused(&error).await,
        };
        for account in &found.items {
            let (created, created_iso) = when(account.created_at);
            rows.push(AccountRow {
                number: account.number.to_string(),
                name: account.name.to_string(),
                created,
                created_iso,
            });
        }
        next = next_href("/accounts", found.next.as_ref(), &[("q", &q)]);
    } else if matches!(ctx.who, Some(Who::User { .. })) {
        let numbers = match console.directory.administered_accounts(&actor).await {
            Ok(numbers) => numbers,
            Err(error) => return ctx.refused(&error).await,
        };
        for number in numbers {
            // An account whose administrators changed meanwhile is left out.
            if let Ok(details) = console.directory.account_details(&actor, number).await {
                let (created, created_iso) = when(details.account.created_at);
                rows.push(AccountRow {
                    number: number.to_string(),
                    name: details.account.name.to_string(),
                    created,
                    created_iso,
                });
            }
        }
    }
    let l = ctx.layout(ctx.tr.t(Label::Accounts)).await;
    page(&AccountsPage {
        l,
        support,
        rows,
        next,
        q,
    })
}

/// Create Account.
#[derive(Deserialize)]
pub(crate) struct CreateAccountForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
}

/// `POST /accounts`: Customer Support creates an account (R1, R2).
pub(crate) async fn create_account<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Form(form): Form<CreateAccountForm>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let result = match AccountNumber::parse(&form.number) {
        Ok(number) => {
            console
                .directory
                .create_account(&actor, number, &form.name)
                .await
        }
        Err(invalid) => Err(Error::from(invalid)),
    };
    done(&ctx, result, "/accounts").await
}

/// `GET /accounts/{n}`: the Details tab.
pub(crate) async fn details<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let details = match console.directory.account_details(&actor, number).await {
        Ok(details) => details,
        Err(error) => return ctx.refused(&error).await,
    };
    let (created, created_iso) = when(details.account.created_at);
    let l = ctx
        .layout(format!(
            "{} {number} — {}",
            ctx.tr.t(Label::AccountNumber),
            details.account.name
        ))
        .await;
    page(&DetailsPage {
        l,
        n: number.to_string(),
        tab: "details",
        name: details.account.name.to_string(),
        created,
        created_iso,
        users: details.users,
        groups: details.groups,
        administrators: details.administrators,
        admins_label: ctx.tr.m(&cres_admin::GroupName::AccountAdministrators),
    })
}

/// `GET /accounts/{n}/groups`: the Groups tab as the guide shows it.
pub(crate) async fn groups<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let groups = match console.directory.groups(&actor, number).await {
        Ok(groups) => groups,
        Err(error) => return ctx.refused(&error).await,
    };
    let rows = groups
        .iter()
        .map(|summary| GroupRow {
            name: ctx.tr.m(&summary.group.name),
            add_href: format!("/accounts/{number}/groups/{}/add", summary.group.id.number),
        })
        .collect();
    let footer = ctx.tr.m(&ShowingGroups {
        count: groups.len(),
    });
    let l = ctx.layout(ctx.tr.t(Label::Groups)).await;
    page(&GroupsPage {
        l,
        n: number.to_string(),
        tab: "groups",
        rows,
        footer,
    })
}

/// Add Group.
#[derive(Deserialize)]
pub(crate) struct AddGroupForm {
    #[serde(default)]
    name: String,
}

/// `POST /accounts/{n}/groups`: a new group (R9).
pub(crate) async fn add_group<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
    Form(form): Form<AddGroupForm>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let result = console
        .directory
        .create_group(&actor, number, &form.name)
        .await;
    done(&ctx, result, &format!("/accounts/{number}/groups")).await
}

/// The group a path names; `Err` is the 404 page.
async fn group_in_path(ctx: &Ctx, n: &str, g: &str) -> Result<GroupId, Response> {
    let account = account_in_path(ctx, n).await?;
    match g.parse::<u32>() {
        Ok(number) => Ok(GroupId { account, number }),
        Err(_) => Err(not_found_page(ctx).await),
    }
}

/// `GET /accounts/{n}/groups/{g}/add`: the User Id form and the members.
pub(crate) async fn add_to_group_page<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path((n, g)): Path<(String, String)>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let group = or_respond!(group_in_path(&ctx, &n, &g).await);
    let result = async {
        let groups = console.directory.groups(&actor, group.account).await?;
        let summary = groups
            .into_iter()
            .find(|s| s.group.id == group)
            .ok_or(Error::GroupNotFound)?;
        let members = console
            .directory
            .members_page(&actor, group, PageSize::DEFAULT, None)
            .await?;
        Ok::<_, Error>((summary, members))
    }
    .await;
    let (summary, members) = match result {
        Ok(found) => found,
        Err(error) => return ctx.refused(&error).await,
    };
    let l = ctx
        .layout(format!(
            "{} — {}",
            ctx.tr.t(Label::AddToGroup),
            ctx.tr.m(&summary.group.name)
        ))
        .await;
    let base = format!("/accounts/{}/groups/{}", group.account, group.number);
    page(&AddToGroupPage {
        l,
        n: group.account.to_string(),
        tab: "groups",
        action: format!("{base}/add"),
        remove_action: format!("{base}/remove"),
        members: members.items.iter().map(|m| m.email.to_string()).collect(),
    })
}

/// Add to Group.
#[derive(Deserialize)]
pub(crate) struct AddToGroupForm {
    #[serde(default)]
    user_id: String,
}

/// `POST /accounts/{n}/groups/{g}/add`: the guide's Add to Group (R3, R5).
pub(crate) async fn add_to_group<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path((n, g)): Path<(String, String)>,
    Form(form): Form<AddToGroupForm>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let group = or_respond!(group_in_path(&ctx, &n, &g).await);
    let result = console
        .directory
        .add_to_group(&actor, group, &form.user_id)
        .await;
    let back = format!("/accounts/{}/groups/{}/add", group.account, group.number);
    done(&ctx, result, &back).await
}

/// A form about one user, by email (the per-row buttons).
#[derive(Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /accounts/{n}/groups/{g}/remove`: a member taken out (R10).
pub(crate) async fn remove_from_group<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path((n, g)): Path<(String, String)>,
    Form(form): Form<UserForm>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let group = or_respond!(group_in_path(&ctx, &n, &g).await);
    let result = console
        .directory
        .remove_from_group(&actor, group, &form.email)
        .await;
    let back = format!("/accounts/{}/groups/{}/add", group.account, group.number);
    done(&ctx, result, &back).await
}

/// `GET /accounts/{n}/users`: the Users tab, a page at a time.
pub(crate) async fn users<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let email = query.email.as_deref().unwrap_or_default().trim();
    let name = query.name.as_deref().unwrap_or_default().trim();
    let result = async {
        let mut list = UserQuery::new()
            .email(Search::parse(email)?)
            .name(Search::parse(name)?);
        if let Some(after) = cursor(query.after.as_deref())? {
            list = list.after(after);
        }
        let found = console.directory.users(&actor, number, &list).await?;
        let count = console.directory.user_count(&actor, number).await?;
        Ok::<_, Error>((found, count))
    }
    .await;
    let (found, count) = match result {
        Ok(found) => found,
        Err(error) => return ctx.refused(&error).await,
    };
    let tr = &ctx.tr;
    let rows = found
        .items
        .iter()
        .map(|row| {
            let active = row.status == UserStatus::Active;
            UserRowView {
                email: row.user.email.to_string(),
                first_name: row.first_name.to_string(),
                last_name: row.last_name.to_string(),
                status: tr.t(if active {
                    Label::Active
                } else {
                    Label::Disabled
                }),
                active,
                temporary: yes_no(tr, row.temporary_password),
                locked: yes_no(tr, row.locked()),
                administrator: yes_no(tr, row.administrator),
            }
        })
        .collect();
    let path = format!("/accounts/{number}/users");
    let next = next_href(
        &path,
        found.next.as_ref(),
        &[("email", email), ("name", name)],
    );
    let footer = tr.m(&ShowingUsers { count });
    let l = ctx.layout(tr.t(Label::Users)).await;
    page(&UsersPage {
        l,
        n: number.to_string(),
        tab: "users",
        rows,
        next,
        footer,
        email: email.to_owned(),
        name: name.to_owned(),
    })
}

/// `POST /accounts/{n}/users/{action}`: disable, enable, delete, unlock
/// or reset-password one user (R13, R16).
pub(crate) async fn user_action<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path((n, action)): Path<(String, String)>,
    Form(form): Form<UserForm>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let back = format!("/accounts/{number}/users");
    let directory = &console.directory;
    let email = form.email.as_str();
    match action.as_str() {
        "disable" => done(&ctx, directory.disable_user(&actor, email).await, &back).await,
        "enable" => done(&ctx, directory.enable_user(&actor, email).await, &back).await,
        "delete" => done(&ctx, directory.delete_user(&actor, email).await, &back).await,
        "unlock" => done(&ctx, directory.unlock_user(&actor, email).await, &back).await,
        "reset-password" => {
            let new = Password::new(form.new_password);
            let confirm = Password::new(form.confirm_password);
            let result = directory
                .reset_password(&actor, email, &new, &confirm)
                .await;
            done(&ctx, result, &back).await
        }
        _ => not_found_page(&ctx).await,
    }
}

/// `GET /accounts/{n}/users/new`: the Add User form.
pub(crate) async fn add_user_page<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    // Only an administrator (or Support) sees the form.
    if let Err(error) = console.directory.groups(&actor, number).await {
        return ctx.refused(&error).await;
    }
    let l = ctx.layout(ctx.tr.t(Label::AddUser)).await;
    page(&AddUserPage {
        l,
        n: number.to_string(),
        tab: "users",
        username: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        enforce: false,
    })
}

/// Add User (R6).
#[derive(Deserialize)]
pub(crate) struct AddUserFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
    enforce_password_expiration: Option<String>,
}

/// `POST /accounts/{n}/users/new`: "User … added." on the Users tab, or
/// the form again with the refusal.
pub(crate) async fn add_user<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
    Form(fields): Form<AddUserFields>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let enforce = fields.enforce_password_expiration.is_some();
    let form = AddUserForm::new(
        fields.username.clone(),
        fields.first_name.clone(),
        fields.last_name.clone(),
        Password::new(fields.password),
    )
    .confirm_password(Password::new(fields.confirm_password))
    .enforce_password_expiration(enforce);
    match console.directory.add_user(&actor, number, &form).await {
        Ok(added) => {
            ctx.confirm(&added).await;
            see_other(&format!("/accounts/{number}/users"))
        }
        Err(error @ Error::Forbidden(_)) => ctx.refused(&error).await,
        Err(error) => {
            ctx.refuse(&error).await;
            let l = ctx.layout(ctx.tr.t(Label::AddUser)).await;
            let response = page(&AddUserPage {
                l,
                n: number.to_string(),
                tab: "users",
                username: fields.username,
                first_name: fields.first_name,
                last_name: fields.last_name,
                enforce,
            });
            (status_of(&error), response).into_response()
        }
    }
}

/// `GET /accounts/{n}/secure-message`.
pub(crate) async fn secure_message_page<S: Store + Send + Sync + 'static>(
    State(_): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
) -> Response {
    if let Err(response) = ctx.actor().await {
        return response;
    }
    let number = or_respond!(account_in_path(&ctx, &n).await);
    // Whether the reader may send for this account (its administrators
    // and users may, R8), and whether it exists, is the directory's to say
    // when the message is sent.
    let l = ctx.layout(ctx.tr.t(Label::SendSecureMessage)).await;
    page(&SecureMessagePage {
        l,
        n: number.to_string(),
        tab: "secure-message",
        link: None,
    })
}

/// Send Secure Message.
#[derive(Deserialize)]
pub(crate) struct SecureMessageForm {
    #[serde(default)]
    email: String,
}

/// `POST /accounts/{n}/secure-message`: the registration link the message
/// would carry, shown in the answer itself (R8).
pub(crate) async fn send_secure_message<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
    Form(form): Form<SecureMessageForm>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let (status, link) = match console
        .directory
        .send_secure_message(&actor, number, &form.email)
        .await
    {
        Ok(sent) => {
            ctx.confirm(&sent).await;
            let link = match &sent {
                SecureMessageSent::RegistrationIssued { token, .. } => {
                    Some(format!("/register/{}", token.as_str()))
                }
                _ => None,
            };
            (StatusCode::OK, link)
        }
        Err(error @ Error::Forbidden(_)) => return ctx.refused(&error).await,
        Err(error) => {
            ctx.refuse(&error).await;
            (status_of(&error), None)
        }
    };
    let l = ctx.layout(ctx.tr.t(Label::SendSecureMessage)).await;
    let response = page(&SecureMessagePage {
        l,
        n: number.to_string(),
        tab: "secure-message",
        link,
    });
    (status, response).into_response()
}

/// What an audit entry did, and to what, in the reader's language.
fn describe(tr: &Tr, action: &Action, group_names: &[(u32, String)]) -> (String, String) {
    let group = |id: &GroupId| {
        group_names
            .iter()
            .find(|(number, _)| *number == id.number)
            .map_or_else(|| format!("#{}", id.number), |(_, name)| name.clone())
    };
    let (label, subject) = match action {
        Action::AccountCreated => (Label::AuditAccountCreated, String::new()),
        Action::AccountRenamed { from, to } => {
            (Label::AuditAccountRenamed, format!("{from} → {to}"))
        }
        Action::UserAdded { user, .. } => (Label::AuditUserAdded, user.email.to_string()),
        Action::GroupCreated { name, .. } => (Label::AuditGroupCreated, tr.m(name)),
        Action::GroupRenamed { from, to, .. } => (
            Label::AuditGroupRenamed,
            format!("{} → {}", tr.m(from), tr.m(to)),
        ),
        Action::GroupDeleted { name, .. } => (Label::AuditGroupDeleted, tr.m(name)),
        Action::MemberAdded { group: g, user } => (
            Label::AuditMemberAdded,
            format!("{} → {}", user.email, group(g)),
        ),
        Action::MemberRemoved { group: g, user } => (
            Label::AuditMemberRemoved,
            format!("{} ← {}", user.email, group(g)),
        ),
        Action::PasswordChanged { user } => (Label::AuditPasswordChanged, user.email.to_string()),
        Action::PasswordReset { user } => (Label::AuditPasswordReset, user.email.to_string()),
        Action::UserLocked { user, .. } => (Label::AuditUserLocked, user.email.to_string()),
        Action::UserUnlocked { user } => (Label::AuditUserUnlocked, user.email.to_string()),
        Action::SecureMessageSent { email, .. } => {
            (Label::AuditSecureMessageSent, email.to_string())
        }
        Action::RegistrationEnded { email } => (Label::AuditRegistrationEnded, email.to_string()),
        Action::RegistrationsPurged { count } => {
            (Label::AuditRegistrationsPurged, count.to_string())
        }
        Action::RegistrationRevoked { email } => {
            (Label::AuditRegistrationRevoked, email.to_string())
        }
        Action::UserRegistered { user } => (Label::AuditUserRegistered, user.email.to_string()),
        Action::UserDisabled { user } => (Label::AuditUserDisabled, user.email.to_string()),
        Action::UserEnabled { user } => (Label::AuditUserEnabled, user.email.to_string()),
        Action::UserDeleted { user } => (Label::AuditUserDeleted, user.email.to_string()),
        Action::UserRenamed {
            user,
            to_first,
            to_last,
            ..
        } => (
            Label::AuditUserRenamed,
            format!("{} → {to_first} {to_last}", user.email),
        ),
        Action::EmailChanged { from, to, .. } => {
            (Label::AuditEmailChanged, format!("{from} → {to}"))
        }
        _ => (Label::AuditOther, String::new()),
    };
    (tr.t(label), subject)
}

/// `GET /accounts/{n}/audit`: the trail, newest first.
pub(crate) async fn audit<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(n): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let actor = or_respond!(ctx.actor().await);
    let number = or_respond!(account_in_path(&ctx, &n).await);
    let result = async {
        let mut list = AuditQuery::new();
        if let Some(after) = cursor(query.after.as_deref())? {
            list = list.after(after);
        }
        let found = console.directory.audit_page(&actor, number, &list).await?;
        let groups = console.directory.groups(&actor, number).await?;
        Ok::<_, Error>((found, groups))
    }
    .await;
    let (found, groups) = match result {
        Ok(found) => found,
        Err(error) => return ctx.refused(&error).await,
    };
    let names: Vec<(u32, String)> = groups
        .iter()
        .map(|s| (s.group.id.number, ctx.tr.m(&s.group.name)))
        .collect();
    let rows = found
        .items
        .iter()
        .map(|entry| {
            let (when, when_iso) = when(entry.record.at);
            let (action, subject) = describe(&ctx.tr, &entry.record.action, &names);
            AuditRowView {
                when,
                when_iso,
                who: ctx.tr.m(&entry.record.actor),
                action,
                subject,
            }
        })
        .collect();
    let next = next_href(
        &format!("/accounts/{number}/audit"),
        found.next.as_ref(),
        &[],
    );
    let l = ctx.layout(ctx.tr.t(Label::AuditTrail)).await;
    page(&AuditPage {
        l,
        n: number.to_string(),
        tab: "audit",
        rows,
        next,
    })
}

/// The registration form.
#[derive(Deserialize)]
pub(crate) struct RegisterFields {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

/// The path of a registration link.
fn register_path(token: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("/register/{encoded}")
}

/// `GET /register/{token}`: no sign-in needed.
pub(crate) async fn register_page(ctx: Ctx, Path(token): Path<String>) -> Response {
    let l = ctx.layout(ctx.tr.t(Label::Register)).await;
    page(&RegisterPage {
        l,
        action: register_path(&token),
        first_name: String::new(),
        last_name: String::new(),
    })
}

/// `POST /register/{token}`: the recipient becomes a user (R8, R14).
pub(crate) async fn register<S: Store + Send + Sync + 'static>(
    State(console): State<Console<S>>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(fields): Form<RegisterFields>,
) -> Response {
    let form = RegistrationForm::new(
        fields.first_name.clone(),
        fields.last_name.clone(),
        Password::new(fields.password),
    )
    .confirm_password(Password::new(fields.confirm_password));
    match console.directory.register(&token, &form).await {
        Ok(registered) => {
            ctx.confirm(&registered).await;
            see_other("/sign-in")
        }
        Err(error) => {
            ctx.refuse(&error).await;
            let l = ctx.layout(ctx.tr.t(Label::Register)).await;
            let response = page(&RegisterPage {
                l,
                action: register_path(&token),
                first_name: fields.first_name,
                last_name: fields.last_name,
            });
            (status_of(&error), response).into_response()
        }
    }
}
