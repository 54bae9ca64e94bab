//! The pages, as askama templates (`templates/`), HTML-escaped by default.

use askama::Template;
use cres_admin::Label;

use crate::context::Layout;

/// A page that only says something (a refusal, an unknown page).
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) l: Layout,
}

/// `/sign-in`.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    pub(crate) l: Layout,
}

/// `/password`.
#[derive(Template)]
#[template(path = "password.html")]
pub(crate) struct PasswordPage {
    pub(crate) l: Layout,
    pub(crate) intro: String,
}

/// One row of `table#accounts`.
pub(crate) struct AccountRow {
    pub(crate) number: String,
    pub(crate) name: String,
    pub(crate) created: String,
    pub(crate) created_iso: String,
}

/// `/accounts`.
#[derive(Template)]
#[template(path = "accounts.html")]
pub(crate) struct AccountsPage {
    pub(crate) l: Layout,
    pub(crate) support: bool,
    pub(crate) rows: Vec<AccountRow>,
    pub(crate) next: Option<String>,
    pub(crate) q: String,
}

/// `/accounts/{n}`.
#[derive(Template)]
#[template(path = "details.html")]
pub(crate) struct DetailsPage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) name: String,
    pub(crate) created: String,
    pub(crate) created_iso: String,
    pub(crate) users: u64,
    pub(crate) groups: u64,
    pub(crate) administrators: u64,
    pub(crate) admins_label: String,
}

/// One row of `table#groups`.
pub(crate) struct GroupRow {
    pub(crate) name: String,
    pub(crate) add_href: String,
}

/// `/accounts/{n}/groups`.
#[derive(Template)]
#[template(path = "groups.html")]
pub(crate) struct GroupsPage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) rows: Vec<GroupRow>,
    pub(crate) footer: String,
}

/// `/accounts/{n}/groups/{g}/add`.
#[derive(Template)]
#[template(path = "add_to_group.html")]
pub(crate) struct AddToGroupPage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) action: String,
    pub(crate) remove_action: String,
    pub(crate) members: Vec<String>,
}

/// One row of `table#users`.
pub(crate) struct UserRowView {
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) status: String,
    pub(crate) active: bool,
    pub(crate) temporary: String,
    pub(crate) locked: String,
    pub(crate) administrator: String,
}

/// `/accounts/{n}/users`.
#[derive(Template)]
#[template(path = "users.html")]
pub(crate) struct UsersPage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) rows: Vec<UserRowView>,
    pub(crate) next: Option<String>,
    pub(crate) footer: String,
    /// The search as typed, shown again in its form.
    pub(crate) email: String,
    pub(crate) name: String,
}

/// `/accounts/{n}/users/new`.
#[derive(Template)]
#[template(path = "add_user.html")]
pub(crate) struct AddUserPage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) username: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) enforce: bool,
}

/// `/accounts/{n}/secure-message`.
#[derive(Template)]
#[template(path = "secure_message.html")]
pub(crate) struct SecureMessagePage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) link: Option<String>,
}

/// One row of `table#audit`.
pub(crate) struct AuditRowView {
    pub(crate) when: String,
    pub(crate) when_iso: String,
    pub(crate) who: String,
    pub(crate) action: String,
    pub(crate) subject: String,
}

/// `/accounts/{n}/audit`.
#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    pub(crate) l: Layout,
    pub(crate) n: String,
    pub(crate) tab: &'static str,
    pub(crate) rows: Vec<AuditRowView>,
    pub(crate) next: Option<String>,
}

/// `/register/{token}`.
#[derive(Template)]
#[template(path = "register.html")]
pub(crate) struct RegisterPage {
    pub(crate) l: Layout,
    pub(crate) action: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
}

/// `Label` is used by every template.
const _: Option<Label> = None;
