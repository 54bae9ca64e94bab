# cres-admin — English (United States)
# The guide's own texts are verbatim: error-non-existent-user, user-added,
# group-account-administrators.

## The built-in group

group-account-administrators = Account Administrators
# A group name an administrator chose: shown as typed, in every language.
group-custom-name = { $name }
actor-user = { $email }
actor-unauthenticated = Failed sign-in attempts
actor-provisioner = Provisioning by { $description } ({ $token })

## Form and page labels

label-accounts = Accounts
label-groups = Groups
label-users = Users
label-user-id = User Id
label-add-to-group = Add to Group
label-add-user = Add User
label-username = Username
label-first-name = First Name
label-last-name = Last Name
label-password = Password
label-confirm-password = Confirm Password
label-enforce-password-expiration = Enforce Password Expiration
label-save = Save
label-group-name = Group Name
label-add-group = Add Group
label-name = Name
label-email = Email
label-account-number = Account Number
label-account-name = Account Name
label-remove-from-group = Remove from Group
label-customer-support = Customer Support
label-sign-in = Sign In
label-change-password = Change Password
label-send-secure-message = Send Secure Message
label-register = Register
label-page-size = Page Size
label-search = Search
label-scim-user-name = User name (SCIM)
label-external-id = External ID
label-description = Description
label-display-name = Display name
label-disable-user = Disable User
label-enable-user = Enable User
label-delete-user = Delete User

## Web console labels

label-details = Details
label-actions = Actions
label-back-to-accounts = Back to Accounts List
label-sign-out = Sign Out
label-signed-in-as = Signed in as
label-audit-trail = Audit Trail
label-create-account = Create Account
label-reset-password = Reset Password
label-unlock-user = Unlock User
label-status = Status
label-created = Created
label-next-page = Next Page
label-language = Language
label-new-password = New Password
label-set-password = Set Password
label-support-password = Customer Support Password
label-active = Active
label-disabled = Disabled
label-yes = Yes
label-no = No
label-temporary-password = Temporary Password
label-locked = Locked
label-administrator = Administrator
label-members = Members
label-recipient = Recipient
label-registration-link = Registration link in the secure message
label-when = When
label-who = Who
label-action = Action
label-account-details = Account Details
label-administration = CRES Account Administration
label-form-refused = This form could not be accepted: it has expired or did not come from this site. Nothing was changed. Reload the page and try again.
label-not-signed-in = Please sign in to continue.
label-no-account-administered = You do not administer any account.
label-page-not-found = This page does not exist.
label-audit-account-created = Account created
label-audit-account-renamed = Account renamed
label-audit-user-added = User added
label-audit-group-created = Group added
label-audit-group-renamed = Group renamed
label-audit-group-deleted = Group deleted
label-audit-member-added = Added to group
label-audit-member-removed = Removed from group
label-audit-password-changed = Password changed by the user
label-audit-password-reset = Password reset
label-audit-user-locked = Sign-in locked
label-audit-user-unlocked = User unlocked
label-audit-secure-message-sent = Secure message sent
label-audit-registration-ended = Invitation ended
label-audit-registrations-purged = Expired invitations removed
label-audit-registration-revoked = Invitation revoked
label-audit-user-registered = User registered
label-audit-user-disabled = User disabled
label-audit-user-enabled = User enabled
label-audit-user-deleted = User deleted
label-audit-user-renamed = User renamed
label-audit-email-changed = Email address changed
label-audit-other = Other change

## Lists

groups-showing =
    { $count ->
        [one] Showing { $count } group.
       *[other] Showing { $count } groups.
    }

users-showing =
    { $count ->
        [one] Showing { $count } user.
       *[other] Showing { $count } users.
    }

## Confirmations

account-created = Account { $account } created.
account-renamed = Account { $account } renamed from { $previous } to { $name }.
user-added = User { $email } added.
group-created = Group { $group } added.
provisioning-token-issued = Provisioning token { $description } issued. Copy it now: it is shown only once.
provisioning-token-revoked = Provisioning token { $description } revoked.
group-renamed = Group { $previous } renamed to { $group }.
group-deleted = Group { $group } deleted.
member-added = { $email } added to { $group }.
member-already = { $email } is already in { $group }.
member-removed = { $email } removed from { $group }.

## Errors: input

error-field-empty = { $field } is required.
error-field-too-long =
    { $field } must be at most { $max } { $max ->
        [one] character
       *[other] characters
    } long.
error-field-too-short =
    { $field } must be at least { $min } { $min ->
        [one] character
       *[other] characters
    } long.
error-field-control-character = { $field } must not contain control characters such as line breaks.
error-field-invisible-character = { $field } must not contain invisible or text-direction characters.
error-field-whitespace = { $field } must not contain spaces.
error-field-non-ascii = { $field } must use only ASCII characters; write an international domain in its xn-- form.
error-field-not-a-number = { $field } must be a number of 1 to 12 digits.
error-field-out-of-range = { $field } must be a whole number from { $min } to { $max }.
error-email-at-sign = { $field } must contain exactly one @.
error-email-local-part = { $field } has an invalid part before the @.
error-email-domain = { $field } has an invalid domain after the @.
error-password-mismatch = Password and { $field } do not match.

## Errors: rules

error-non-existent-user = Can not add a non existent user.
error-user-exists = A user with the email { $email } already exists.
error-account-exists = Account { $account } already exists.
error-account-not-found = Account { $account } does not exist.
error-group-exists = This account already has a group named { $group }.
error-group-not-found = This group does not exist.
error-invalid-cursor = This page link is no longer valid. Start again from the first page.
error-busy = The service is busy. Try again in a moment.
error-user-id-not-found = No user of this account has the id { $id }.
error-user-name-taken = Another user of this account already has the user name { $name }.
error-external-id-taken = Another user of this account already has the external ID { $id }.
error-stale-revision = This was changed by someone else in the meantime. Read it again, then repeat the change.
error-provisioning-refused = This provisioning token is not valid for this account.
error-provisioning-token-not-found = This account has no provisioning token with this id.
error-too-many-provisioning-tokens = An account may have at most { $max } provisioning tokens. Revoke one first.
error-not-a-member = { $email } is not in { $group }.
error-built-in-group = The { $group } group is built in: it cannot be deleted or renamed.
error-last-administrator = { $email } is the last Account Administrator of account { $account } and cannot be removed.
error-last-active-administrator = { $email } is the last active Account Administrator of account { $account } and can be neither disabled nor deleted.
error-support-only = Only Customer Support can do this.
error-not-account-administrator = Only an Account Administrator of account { $account } can do this.
error-store = The account directory could not be reached. Nothing was changed; please try again.
error-store-busy = The account directory is busy with other changes. Nothing was changed; please try again in a moment.
error-store-cannot-open = The account directory could not be opened. Check its path and permissions.
error-store-not-a-database = This file is not an account directory. It was left unchanged.
error-store-newer-schema = The account directory was written by a newer version (schema { $found }; this version knows up to { $supported }). It was left unchanged; please upgrade.
error-store-corrupt = The account directory is damaged and cannot be read. Nothing was changed; restore it from a backup.
error-store-full = The disk of the account directory is full. Nothing was changed; free some space and try again.

## Sign-in

error-password-common = { $field } is one of the most common passwords. Choose one that is harder to guess.
error-password-personal = { $field } must not be or contain your name or the part of your email address before the @.
error-password-same-as-current = { $field } must differ from the current password.
error-password-repetitive = { $field } must not repeat one character or a short pattern.
error-password-sequential = { $field } must not be a run of letters, digits or keyboard keys such as abcdef, 123456 or qwerty.
error-password-account-name = { $field } must not be or contain the account's name.
error-group-name-reserved = { $field } is too close to the name of the built-in group { group-account-administrators }.
error-sign-in-refused = The email address or password is incorrect, or this user cannot sign in right now.
error-temporary-password-expired = This temporary password has expired. Ask an administrator to set a new one.
error-password-change-expired = This sign-in can no longer change the password: the password changed, too much time passed, or sign-in is locked. Please sign in again.
error-user-not-found = No user has the email address { $email }.
error-own-password-required = { $email } must first sign in and set their own password: their current one was chosen by someone who does not administer this account.
error-invited-elsewhere = { $email } has already been invited to register by secure message. They can register through that message; then you can add them to a group.
error-not-governing-administrator = Only Customer Support, or an administrator of every account this user belongs to, can do this.
signed-in = Signed in as { $email }.
permanent-password-required = Your password is temporary. Set a permanent password to continue.
password-changed = Your password has been changed.
password-reset = { $email } has a new temporary password, to be changed at the next sign-in.
user-unlocked = { $email } can sign in again.
user-disabled = { $email } is disabled and can no longer sign in.
user-enabled = { $email } is enabled and can sign in again.
user-deleted = User { $email } deleted.
user-renamed = { $email } is now named { $first } { $last }.
email-changed = The email address { $from } is now { $to }.

## Registration by secure message

secure-message-registration = Secure message sent to { $email }. The recipient can register through its link.
secure-message-existing-user = Secure message sent to { $email }, who can sign in to open it.
registered = Registration complete: { $email } can now sign in.
registrations-purged =
    { $count ->
        [0] No expired registration was waiting.
        [one] 1 expired registration was removed.
       *[other] { $count } expired registrations were removed.
    }
registration-revoked = The registration of { $email } was revoked; its link no longer works.
error-registration-refused = This registration link is not valid: it is unknown, already used or revoked.
error-registration-expired = This registration link has expired. Ask the sender to send the message again.
error-registration-not-found = No registration is pending for { $email }.
error-not-account-member = Only users of account { $account } can send secure messages for it.

## SCIM provisioning: what a request got wrong.
scim-not-found = There is nothing at this address.
scim-method-not-allowed = This address does not accept this method.
scim-filter-too-long = The filter is longer than { $max } bytes.
scim-filter-too-deep = The filter is nested deeper than { $max } levels.
scim-filter-syntax = The filter or path is not valid SCIM syntax at byte { $at }.
scim-filter-attribute = The filter names an attribute this resource does not have, or compares it in a way its type does not allow.
scim-patch-schema = A PATCH request must have the PatchOp schema.
scim-patch-operations = A PATCH request needs a list of Operations.
scim-too-many-operations = A PATCH request may have at most 1000 operations.
scim-patch-op = Each operation must be add, replace or remove.
scim-patch-no-target = A remove operation needs a path.
scim-patch-value = The operation's value does not fit the attribute.
scim-patch-path = The path names an attribute this resource does not have.
scim-read-only = This attribute cannot be changed.
scim-active = active must be true or false.
scim-member = Each member needs the id of a user as its value.
scim-search-schema = A search request must have the SearchRequest schema.
scim-search-parameter = A search parameter has a value of the wrong type.
scim-paging = startIndex and count must be whole numbers.
scim-media-type = The body must be application/scim+json or application/json.
scim-json = The body is not valid JSON.
scim-body-too-large = The body is larger than 1 MiB.
