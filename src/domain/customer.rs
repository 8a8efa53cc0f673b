//! A customer record: what the storefront sees of an account (names, email, flags) and the
//! sign-in state the credentials part keeps on it (password, lockout counter, secrets).
//!
//! Strings are `CompactString`s: up to 24 bytes live inline, so most names, passwords and
//! dates cost no allocation. With a million fixture customers that is the difference between
//! fitting the memory budget and not.

use compact_str::CompactString;

use super::credentials::Secret;
use super::fixtures::CustomerFixture;
use super::messages as msg;
use super::{rules, Refusal};

/// A customer account.
///
/// The fields most accounts leave empty (middle name, suffix, date of birth, gender, the
/// confirmation key, the end of a lockout) live in one box, absent while all of them are: the
/// record is about a third smaller (120 bytes less), which a million fixture customers feel.
/// Read them through their accessors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: u64,
    pub email: CompactString,
    pub prefix: Option<CompactString>,
    pub firstname: CompactString,
    pub lastname: CompactString,
    pub taxvat: Option<CompactString>,
    pub is_subscribed: bool,
    pub allow_remote_shopping_assistance: bool,
    pub confirmed: bool,
    /// `None` while every field of [`Rare`] is empty (so that equal records compare equal).
    rare: Option<Box<Rare>>,
    pub created_at: CompactString,
    pub updated_at: CompactString,
    pub group_id: u64,
    pub(super) password: Option<CompactString>,
    /// Failed credential checks (lockout counter).
    pub failures_num: u32,
    /// The live reset-password token and one-time code, boxed: most customers never have one.
    pub(super) secrets: Option<Box<Secrets>>,
}

/// The fields of a customer that are usually empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Rare {
    pub(super) middlename: Option<CompactString>,
    pub(super) suffix: Option<CompactString>,
    pub(super) date_of_birth: Option<CompactString>,
    pub(super) gender: Option<i64>,
    pub(super) confirmation_key: Option<CompactString>,
    /// Locked while `lock_expires > now`.
    pub(super) lock_expires: Option<i64>,
}

impl Rare {
    fn boxed(self) -> Option<Box<Rare>> {
        (self != Rare::default()).then(|| Box::new(self))
    }
}

static NO_TEXT: Option<CompactString> = None;

/// The fields of a [`Customer`] outside [`Rare`], for building a record from a fixture read
/// field by field.
pub(super) struct CustomerParts {
    pub(super) id: u64,
    pub(super) email: CompactString,
    pub(super) prefix: Option<CompactString>,
    pub(super) firstname: CompactString,
    pub(super) lastname: CompactString,
    pub(super) taxvat: Option<CompactString>,
    pub(super) is_subscribed: bool,
    pub(super) allow_remote_shopping_assistance: bool,
    pub(super) confirmed: bool,
    /// Also the first `updated_at`.
    pub(super) created_at: CompactString,
    pub(super) group_id: u64,
    pub(super) password: Option<CompactString>,
    pub(super) failures_num: u32,
}

/// A customer's outstanding one-time secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Secrets {
    pub(super) reset_token: Option<Secret>,
    pub(super) otc: Option<Secret>,
}

fn compact(s: &Option<String>) -> Option<CompactString> {
    s.as_deref().map(CompactString::from)
}

impl Customer {
    pub(super) fn from_fixture(f: &CustomerFixture, id: u64) -> Customer {
        Customer {
            id,
            email: f.email.as_str().into(),
            prefix: compact(&f.prefix),
            firstname: f.firstname.as_str().into(),
            lastname: f.lastname.as_str().into(),
            taxvat: compact(&f.taxvat),
            is_subscribed: f.is_subscribed,
            allow_remote_shopping_assistance: f.allow_remote_shopping_assistance,
            confirmed: f.confirmed,
            rare: Rare {
                middlename: compact(&f.middlename),
                suffix: compact(&f.suffix),
                date_of_birth: compact(&f.date_of_birth),
                gender: f.gender,
                confirmation_key: if f.confirmed {
                    None
                } else {
                    Some(
                        f.confirmation_key
                            .as_deref()
                            .map_or_else(rules::random_hex32, CompactString::from),
                    )
                },
                lock_expires: f.locked_until,
            }
            .boxed(),
            created_at: f.created_at.as_str().into(),
            updated_at: f.created_at.as_str().into(),
            group_id: f.group_id,
            password: compact(&f.password),
            failures_num: f.failures,
            secrets: None,
        }
    }

    pub(super) fn from_parts(p: CustomerParts, rare: Rare) -> Customer {
        Customer {
            id: p.id,
            email: p.email,
            prefix: p.prefix,
            firstname: p.firstname,
            lastname: p.lastname,
            taxvat: p.taxvat,
            is_subscribed: p.is_subscribed,
            allow_remote_shopping_assistance: p.allow_remote_shopping_assistance,
            confirmed: p.confirmed,
            rare: rare.boxed(),
            updated_at: p.created_at.clone(),
            created_at: p.created_at,
            group_id: p.group_id,
            password: p.password,
            failures_num: p.failures_num,
            secrets: None,
        }
    }

    /// A new account of `createCustomerV2` (or of the control API), already validated.
    pub(super) fn new_account(
        id: u64,
        n: &NewCustomer,
        confirmation_key: Option<CompactString>,
        now: i64,
    ) -> Self {
        let created: CompactString = rules::format_datetime(now).into();
        let opt = |s: &Option<String>| compact(s);
        let mut c = Customer {
            id,
            email: n.email.as_str().into(),
            prefix: opt(&n.prefix),
            firstname: n.firstname.as_str().into(),
            lastname: n.lastname.as_str().into(),
            taxvat: opt(&n.taxvat),
            is_subscribed: n.is_subscribed,
            allow_remote_shopping_assistance: n.allow_remote_shopping_assistance,
            confirmed: confirmation_key.is_none(),
            rare: Rare {
                middlename: opt(&n.middlename),
                suffix: opt(&n.suffix),
                date_of_birth: opt(&n.date_of_birth),
                gender: n.gender,
                confirmation_key,
                lock_expires: None,
            }
            .boxed(),
            created_at: created.clone(),
            updated_at: created,
            group_id: 1,
            password: opt(&n.password),
            failures_num: 0,
            secrets: None,
        };
        c.fit_columns();
        c
    }

    /// The record as a fixture file would write it (its live secrets aside).
    pub(crate) fn to_fixture(&self) -> CustomerFixture {
        let opt = |s: &Option<CompactString>| s.as_ref().map(|s| s.to_string());
        CustomerFixture {
            id: Some(self.id),
            email: self.email.to_string(),
            password: opt(&self.password),
            firstname: self.firstname.to_string(),
            lastname: self.lastname.to_string(),
            prefix: opt(&self.prefix),
            middlename: opt(self.middlename()),
            suffix: opt(self.suffix()),
            date_of_birth: opt(self.date_of_birth()),
            gender: self.gender(),
            taxvat: opt(&self.taxvat),
            is_subscribed: self.is_subscribed,
            allow_remote_shopping_assistance: self.allow_remote_shopping_assistance,
            confirmed: self.confirmed,
            confirmation_key: opt(self.rare.as_ref().map_or(&NO_TEXT, |r| &r.confirmation_key)),
            created_at: self.created_at.to_string(),
            group_id: self.group_id,
            failures: self.failures_num,
            locked_until: self.lock_expires(),
            note: None,
        }
    }

    /// The record rebuilt from `f`, keeping what a fixture cannot say (live secrets, when the
    /// record last changed).
    pub(super) fn replace_from(&mut self, f: &CustomerFixture, now: i64) {
        let mut next = Customer::from_fixture(f, self.id);
        next.fit_columns();
        next.secrets = self.secrets.take();
        if next.confirmed {
            next.edit_rare(|r| r.confirmation_key = None);
        }
        *self = next;
        self.touch(now);
    }

    /// Cuts the text fields to the lengths of Magento's columns ([`rules::columns`]), as MySQL
    /// does for Magento (no strict mode): called on every write that comes from a request, so a
    /// record never holds more than those few hundred characters whatever was submitted.
    /// Fixture files are stored as written.
    pub(super) fn fit_columns(&mut self) {
        fn cut(s: &mut CompactString, max: usize) {
            let kept = rules::truncate_chars(s, max);
            if kept.len() < s.len() {
                // A new string, not `truncate`: that would keep the long one's heap capacity.
                *s = CompactString::from(kept);
            }
        }
        fn cut_opt(s: &mut Option<CompactString>, max: usize) {
            if let Some(s) = s {
                cut(s, max);
            }
        }
        use rules::columns;
        cut(&mut self.firstname, columns::NAME);
        cut(&mut self.lastname, columns::NAME);
        if let Some(r) = &mut self.rare {
            cut_opt(&mut r.middlename, columns::NAME);
            cut_opt(&mut r.suffix, columns::SUFFIX);
        }
        cut_opt(&mut self.prefix, columns::PREFIX);
        cut_opt(&mut self.taxvat, columns::TAXVAT);
    }

    /// True when the account has a password (else: reset token or OTC only).
    pub(crate) fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// True when sign-in must wait for `confirmEmail`.
    pub(crate) fn awaits_confirmation(&self, confirmation_required: bool) -> bool {
        confirmation_required && !self.confirmed
    }

    /// The key `confirmEmail` accepts, while the account is unconfirmed.
    pub(crate) fn confirmation_key(&self) -> Option<&str> {
        self.rare.as_ref()?.confirmation_key.as_deref()
    }

    pub fn middlename(&self) -> &Option<CompactString> {
        self.rare.as_ref().map_or(&NO_TEXT, |r| &r.middlename)
    }

    pub fn suffix(&self) -> &Option<CompactString> {
        self.rare.as_ref().map_or(&NO_TEXT, |r| &r.suffix)
    }

    pub fn date_of_birth(&self) -> &Option<CompactString> {
        self.rare.as_ref().map_or(&NO_TEXT, |r| &r.date_of_birth)
    }

    pub fn gender(&self) -> Option<i64> {
        self.rare.as_ref().and_then(|r| r.gender)
    }

    /// Locked while `lock_expires > now`.
    pub fn lock_expires(&self) -> Option<i64> {
        self.rare.as_ref().and_then(|r| r.lock_expires)
    }

    pub(super) fn set_lock_expires(&mut self, at: Option<i64>) {
        if self.lock_expires() != at {
            self.edit_rare(|r| r.lock_expires = at);
        }
    }

    /// Changes the usually empty fields, keeping the box absent while they all are.
    pub(super) fn edit_rare(&mut self, edit: impl FnOnce(&mut Rare)) {
        let mut rare = self.rare.take().map_or_else(Rare::default, |b| *b);
        edit(&mut rare);
        self.rare = rare.boxed();
    }

    /// Marks the account confirmed and forgets its key.
    pub(super) fn confirm(&mut self) {
        self.confirmed = true;
        self.edit_rare(|r| r.confirmation_key = None);
    }

    pub(super) fn touch(&mut self, now: i64) {
        self.updated_at = rules::format_datetime(now).into();
    }

    /// Applies the fields present in `u`, leaving the others as they are.
    pub(super) fn apply(&mut self, u: &CustomerUpdate, now: i64) {
        fn set(field: &mut Option<CompactString>, v: &Option<String>) {
            if let Some(v) = v {
                *field = Some(v.as_str().into());
            }
        }
        set(&mut self.prefix, &u.prefix);
        self.edit_rare(|r| {
            set(&mut r.middlename, &u.middlename);
            set(&mut r.suffix, &u.suffix);
            set(&mut r.date_of_birth, &u.date_of_birth);
            if let Some(g) = u.gender {
                r.gender = Some(g);
            }
        });
        set(&mut self.taxvat, &u.taxvat);
        if let Some(v) = &u.firstname {
            self.firstname = v.as_str().into();
        }
        if let Some(v) = &u.lastname {
            self.lastname = v.as_str().into();
        }
        if let Some(v) = &u.email {
            self.email = v.as_str().into();
        }
        if let Some(b) = u.is_subscribed {
            self.is_subscribed = b;
        }
        if let Some(b) = u.allow_remote_shopping_assistance {
            self.allow_remote_shopping_assistance = b;
        }
        self.fit_columns();
        self.touch(now);
    }
}

/// Fields `updateCustomerV2` (and the admin REST update) may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CustomerUpdate {
    pub prefix: Option<String>,
    pub firstname: Option<String>,
    pub middlename: Option<String>,
    pub lastname: Option<String>,
    pub suffix: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<i64>,
    pub taxvat: Option<String>,
    pub is_subscribed: Option<bool>,
    pub allow_remote_shopping_assistance: Option<bool>,
    /// Admin REST only (the storefront cannot change the email here).
    pub email: Option<String>,
}

/// A new account (`createCustomerV2`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NewCustomer {
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    pub password: Option<String>,
    pub prefix: Option<String>,
    pub middlename: Option<String>,
    pub suffix: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<i64>,
    pub taxvat: Option<String>,
    pub is_subscribed: bool,
    pub allow_remote_shopping_assistance: bool,
}

/// The field checks shared by account creation and both updates, in this order (**mock
/// decision** after the email): first name and last name present; first, last and middle name
/// valid by Magento's name validator (all three reported at once, joined with `\n` as Magento
/// does); gender; date of birth. `None` skips a field (an update that leaves it alone).
pub(super) fn check_fields(names: Names<'_>, gender: Option<i64>, dob: Option<&str>) -> Result<(), Refusal> {
    if names.first.is_some_and(|f| f.trim().is_empty()) {
        return Err(Refusal::input(msg::FIRST_NAME_REQUIRED));
    }
    if names.last.is_some_and(|l| l.trim().is_empty()) {
        return Err(Refusal::input(msg::LAST_NAME_REQUIRED));
    }
    let invalid: Vec<&str> = [
        (names.first, msg::FIRST_NAME_NOT_VALID),
        (names.last, msg::LAST_NAME_NOT_VALID),
        (names.middle, msg::MIDDLE_NAME_NOT_VALID),
    ]
    .into_iter()
    .filter(|(value, _)| value.is_some_and(|v| !rules::is_valid_name(v)))
    .map(|(_, message)| message)
    .collect();
    if !invalid.is_empty() {
        return Err(Refusal::input(invalid.join("\n")));
    }
    if let Some(g) = gender {
        if !rules::is_valid_gender(g) {
            return Err(Refusal::input(msg::invalid_gender(g)));
        }
    }
    if let Some(d) = dob {
        if !rules::is_valid_date(d) {
            return Err(Refusal::input(msg::invalid_date(d)));
        }
    }
    Ok(())
}

/// The name fields a check sees; `None`: not part of this write.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Names<'a> {
    pub(super) first: Option<&'a str>,
    pub(super) middle: Option<&'a str>,
    pub(super) last: Option<&'a str>,
}

/// A fixture-shaped customer (`POST`/`PATCH /__mock/customers`) checked as Magento's save
/// would check it: the name validator, gender, date of birth, and what no column or policy of
/// Magento could hold — a password over 256 characters (Magento's maximum), a confirmation key
/// over the 64 of its column (**mock decision**: refused rather than cut, since a cut key would
/// no longer confirm), a `created_at` that is no `YYYY-MM-DD HH:MM:SS` length.
pub(super) fn check_fixture(f: &CustomerFixture) -> Result<(), Refusal> {
    check_fields(
        Names {
            first: Some(&f.firstname),
            middle: f.middlename.as_deref(),
            last: Some(&f.lastname),
        },
        f.gender,
        f.date_of_birth.as_deref(),
    )?;
    if f.password
        .as_deref()
        .is_some_and(|p| p.chars().count() > rules::MAX_PASSWORD_LENGTH)
    {
        return Err(Refusal::input(rules::PasswordPolicyError::TooLong.message()));
    }
    if f.confirmation_key
        .as_deref()
        .is_some_and(|k| k.chars().count() > rules::columns::CONFIRMATION)
    {
        return Err(Refusal::input(format!(
            "confirmation_key has at most {} characters (Magento's customer_entity.confirmation column).",
            rules::columns::CONFIRMATION
        )));
    }
    if f.created_at.chars().count() > MAX_CREATED_AT_CHARS {
        return Err(Refusal::input(format!(
            "created_at has at most {MAX_CREATED_AT_CHARS} characters: YYYY-MM-DD HH:MM:SS."
        )));
    }
    Ok(())
}

/// The longest `created_at` the control API accepts (**mock decision**; Magento's column is a
/// timestamp, written `YYYY-MM-DD HH:MM:SS`).
const MAX_CREATED_AT_CHARS: usize = 32;

impl CustomerUpdate {
    pub(super) fn check(&self) -> Result<(), Refusal> {
        check_fields(
            Names {
                first: self.firstname.as_deref(),
                middle: self.middlename.as_deref(),
                last: self.lastname.as_deref(),
            },
            self.gender,
            self.date_of_birth.as_deref(),
        )
    }
}

impl NewCustomer {
    pub(super) fn check(&self) -> Result<(), Refusal> {
        if !rules::is_valid_email(&self.email) {
            return Err(Refusal::input(msg::not_a_valid_email_address(&self.email)));
        }
        check_fields(
            Names {
                first: Some(&self.firstname),
                middle: self.middlename.as_deref(),
                last: Some(&self.lastname),
            },
            self.gender,
            self.date_of_birth.as_deref(),
        )
    }
}
