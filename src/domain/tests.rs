//! Unit tests of the domain rules: no server, a virtual clock, exact wire messages.

use super::*;
use token::Claims;
use outbox::OUTBOX_CAPACITY;

const T0: i64 = 1_767_225_600; // 2026-01-01 00:00:00 UTC
const RONI: &str = "roni_cost@example.com";
const RONI_PW: &str = "Roni-Cost-2024";
const ASSISTED: &str = "assisted@example.com";
const ASSISTED_PW: &str = "Assisted-2024";

const ALL: AcceptedSecrets = AcceptedSecrets {
    password: true,
    reset_token: true,
    otc: true,
};
const PASSWORD_ONLY: AcceptedSecrets = AcceptedSecrets {
    password: true,
    reset_token: false,
    otc: false,
};

fn domain() -> Domain {
    Domain::new(Fixtures::embedded_default(), Clock::virtual_at(T0))
}

/// The default fixtures with email confirmation required (Magento's default is not to).
fn domain_requiring_confirmation() -> Domain {
    let mut f = Fixtures::embedded_default();
    f.settings.confirmation_required = true;
    Domain::new(f, Clock::virtual_at(T0))
}

fn claims_of(d: &Domain, t: &str) -> Claims {
    token::read(t, &d.settings().token_signing_secret).expect("our token")
}

#[test]
fn correct_password_gives_a_customer_token_for_an_hour() {
    let d = domain();
    let t = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    assert_eq!(
        claims_of(&d, &t),
        Claims {
            uid: 1,
            utypid: 3,
            iat: T0,
            exp: T0 + 3600,
            admin_id: None
        }
    );
    assert_eq!(
        d.authenticate_bearer(&t),
        Ok(Auth::Customer {
            customer_id: 1,
            admin_id: None
        })
    );
}

#[test]
fn email_lookup_ignores_ascii_case() {
    let d = domain();
    assert!(d.sign_in("RONI_COST@Example.COM", RONI_PW, ALL).is_ok());
}

#[test]
fn two_sign_ins_in_one_second_give_identical_tokens() {
    let d = domain();
    assert_eq!(
        d.sign_in(RONI, RONI_PW, ALL).unwrap(),
        d.sign_in(RONI, RONI_PW, ALL).unwrap()
    );
}

#[test]
fn evaluation_order_unknown_locked_unconfirmed_mismatch() {
    let d = domain_requiring_confirmation();
    assert_eq!(
        d.sign_in("nobody@example.com", "x", ALL),
        Err(SignInError::UnknownEmail)
    );
    assert_eq!(
        d.sign_in("locked@example.com", "Locked-2024", ALL),
        Err(SignInError::Locked)
    );
    assert_eq!(
        d.sign_in("unconfirmed@example.com", "Unconfirmed-2024", ALL),
        Err(SignInError::NotConfirmed)
    );
    assert_eq!(d.sign_in(RONI, "wrong", ALL), Err(SignInError::NoMatch));
    assert_eq!(
        d.throttle_failures("locked@example.com"),
        1,
        "a locked sign-in counts for the throttle"
    );
    assert_eq!(d.customer(4).unwrap().failures_num, 10, "but not for the lockout");
}

#[test]
fn a_correct_password_leaves_reset_token_and_otc_usable() {
    let d = domain();
    let reset = d.request_password_reset(ASSISTED).unwrap();
    let otc = d.issue_otc(2, 1).unwrap();
    d.sign_in(ASSISTED, ASSISTED_PW, ALL).unwrap();
    assert_eq!(d.live_reset_token(2), Some(reset.clone()));
    assert_eq!(d.live_otc(2), Some(otc.clone()));
    assert!(d.sign_in(ASSISTED, &reset, ALL).is_ok());
    assert!(d.sign_in(ASSISTED, &otc, ALL).is_ok());
}

#[test]
fn reset_token_signs_in_once() {
    let d = domain();
    let reset = d.request_password_reset(RONI).unwrap();
    assert_eq!(reset.len(), 32);
    assert!(reset.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(d.sign_in(RONI, &reset, ALL).is_ok());
    assert_eq!(d.sign_in(RONI, &reset, ALL), Err(SignInError::NoMatch));
}

#[test]
fn reset_token_is_not_a_password_when_not_accepted() {
    let d = domain();
    let reset = d.request_password_reset(RONI).unwrap();
    assert_eq!(d.sign_in(RONI, &reset, PASSWORD_ONLY), Err(SignInError::NoMatch));
    assert_eq!(
        d.live_reset_token(1),
        Some(reset),
        "a refused attempt does not consume it"
    );
}

#[test]
fn otc_token_carries_the_issuing_admin() {
    let d = domain();
    let otc = d.issue_otc(2, 1).unwrap();
    assert_eq!(otc.len(), 32);
    assert!(otc.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    let t = d.sign_in(ASSISTED, &otc, ALL).unwrap();
    assert_eq!(claims_of(&d, &t).admin_id, Some(1));
    assert_eq!(
        d.authenticate_bearer(&t),
        Ok(Auth::Customer {
            customer_id: 2,
            admin_id: Some(1)
        })
    );
    assert_eq!(
        d.sign_in(ASSISTED, &otc, ALL),
        Err(SignInError::NoMatch),
        "one-time"
    );
}

#[test]
fn otc_accepted_one_second_before_its_lifetime_and_refused_at_it() {
    let d = domain();
    let otc = d.issue_otc(2, 1).unwrap();
    d.clock().advance(29);
    assert!(d.sign_in(ASSISTED, &otc, ALL).is_ok());
    let otc = d.issue_otc(2, 1).unwrap();
    d.clock().advance(30);
    assert_eq!(
        d.sign_in(ASSISTED, &otc, ALL),
        Err(SignInError::NoMatch),
        "expires_at <= now is expired"
    );
    let otc = d.issue_otc(2, 1).unwrap();
    d.clock().advance(31);
    assert_eq!(d.sign_in(ASSISTED, &otc, ALL), Err(SignInError::NoMatch));
}

#[test]
fn otc_of_one_customer_is_refused_for_another() {
    let d = domain();
    let otc = d.issue_otc(2, 1).unwrap();
    assert_eq!(
        d.sign_in("nopassword@example.com", &otc, ALL),
        Err(SignInError::NoMatch)
    );
    assert!(d.sign_in(ASSISTED, &otc, ALL).is_ok());
}

#[test]
fn new_otc_replaces_the_unused_one() {
    let d = domain();
    let first = d.issue_otc(2, 1).unwrap();
    let second = d.issue_otc(2, 1).unwrap();
    assert_ne!(first, second);
    assert_eq!(d.sign_in(ASSISTED, &first, ALL), Err(SignInError::NoMatch));
    assert!(d.sign_in(ASSISTED, &second, ALL).is_ok());
}

#[test]
fn otc_needs_remote_assistance_at_issue_and_at_exchange() {
    let d = domain();
    assert_eq!(d.issue_otc(1, 1), Err(OtcError::AssistanceDisabled));
    assert_eq!(d.issue_otc(999, 1), Err(OtcError::UnknownCustomer));
    let otc = d.issue_otc(2, 1).unwrap();
    d.set_assistance_allowed(2, false);
    assert_eq!(d.sign_in(ASSISTED, &otc, ALL), Err(SignInError::NoMatch));
}

#[test]
fn account_without_password_signs_in_by_otc_only() {
    let d = domain();
    assert_eq!(
        d.sign_in("nopassword@example.com", "anything", ALL),
        Err(SignInError::NoMatch)
    );
    let otc = d.issue_otc(5, 2).unwrap();
    assert!(d.sign_in("nopassword@example.com", &otc, ALL).is_ok());
}

#[test]
fn throttle_trips_after_six_failures_even_with_the_right_password() {
    let d = domain();
    for _ in 0..6 {
        assert_eq!(d.sign_in(RONI, "wrong", ALL), Err(SignInError::NoMatch));
    }
    assert_eq!(d.sign_in(RONI, RONI_PW, ALL), Err(SignInError::Throttled));
    assert!(
        d.sign_in("Roni_Cost@example.com", RONI_PW, ALL).is_ok(),
        "another string, another counter"
    );
}

#[test]
fn throttle_window_slides_with_each_failure() {
    let d = domain();
    for _ in 0..5 {
        d.sign_in(RONI, "wrong", ALL).unwrap_err();
    }
    d.clock().advance(1000);
    d.sign_in(RONI, "wrong", ALL).unwrap_err();
    d.clock().advance(1799);
    assert_eq!(d.sign_in(RONI, RONI_PW, ALL), Err(SignInError::Throttled));
    d.clock().advance(1);
    assert!(d.sign_in(RONI, RONI_PW, ALL).is_ok());
}

#[test]
fn success_resets_the_throttle_of_the_string_used() {
    let d = domain();
    for _ in 0..5 {
        d.sign_in(RONI, "wrong", ALL).unwrap_err();
    }
    d.sign_in(RONI, RONI_PW, ALL).unwrap();
    assert_eq!(d.throttle_failures(RONI), 0);
    assert_eq!(d.customer(1).unwrap().failures_num, 0);
}

#[test]
fn lockout_after_ten_failures_with_case_variants_and_ends_after_ten_minutes() {
    let d = domain();
    for _ in 0..5 {
        d.sign_in(RONI, "wrong", ALL).unwrap_err();
    }
    for _ in 0..5 {
        d.sign_in("RONI_COST@EXAMPLE.COM", "wrong", ALL).unwrap_err();
    }
    assert!(d.customer(1).unwrap().is_locked(T0));
    assert_eq!(
        d.sign_in("Roni_Cost@Example.com", RONI_PW, ALL),
        Err(SignInError::Locked)
    );
    d.clock().advance(599);
    assert_eq!(
        d.sign_in("roni_COST@example.com", RONI_PW, ALL),
        Err(SignInError::Locked)
    );
    d.clock().advance(1);
    assert!(d.sign_in("roni_cost@EXAMPLE.com", RONI_PW, ALL).is_ok());
}

#[test]
fn failure_after_an_expired_lock_restarts_the_count() {
    let d = domain();
    d.clock().set(4_102_444_800);
    d.sign_in("locked@example.com", "wrong", ALL).unwrap_err();
    let c = d.customer(4).unwrap();
    assert_eq!((c.failures_num, c.lock_expires()), (1, None));
}

#[test]
fn wrong_current_passwords_lock_the_account() {
    let d = domain();
    for _ in 0..9 {
        assert_eq!(
            d.change_password(1, "wrong", "N3w-Password").unwrap_err().message,
            msg::INVALID_LOGIN
        );
    }
    let e = d.change_password(1, "wrong", "N3w-Password").unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (RefusalKind::Authentication, "The account is locked.")
    );
    assert_eq!(d.sign_in(RONI, RONI_PW, ALL), Err(SignInError::Locked));
}

#[test]
fn locked_account_changes_password_then_reports_the_lock() {
    let d = domain();
    let e = d.change_password(4, "Locked-2024", "N3w-Password").unwrap_err();
    assert_eq!(e.message, "The account is locked.");
    d.clock().set(4_102_444_800);
    assert!(d.sign_in("locked@example.com", "N3w-Password", ALL).is_ok());
}

#[test]
fn revocation_covers_every_token_up_to_the_revoking_second() {
    let d = domain();
    let before = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    d.clock().advance(5);
    let same_second = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    d.revoke_customer_tokens(1);
    let after_in_same_second = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    for t in [&before, &same_second, &after_in_same_second] {
        assert_eq!(d.authenticate_bearer(t), Err(BearerError::Revoked));
    }
    d.clock().advance(1);
    let next = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    assert!(d.authenticate_bearer(&next).is_ok());
}

#[test]
fn password_change_keeps_tokens_alive() {
    let d = domain();
    let t = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    d.change_password(1, RONI_PW, "An0ther-Secret").unwrap();
    assert!(d.authenticate_bearer(&t).is_ok());
    assert_eq!(d.sign_in(RONI, RONI_PW, ALL), Err(SignInError::NoMatch));
    assert!(d.sign_in(RONI, "An0ther-Secret", ALL).is_ok());
}

#[test]
fn token_expires_after_its_lifetime() {
    let d = domain();
    let t = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    d.clock().advance(3599);
    assert!(d.authenticate_bearer(&t).is_ok());
    d.clock().advance(1);
    assert_eq!(d.authenticate_bearer(&t), Err(BearerError::Expired));
    assert_eq!(BearerError::Expired.message(), "Consumer key has expired");
}

#[test]
fn unreadable_tokens() {
    let d = domain();
    assert_eq!(d.authenticate_bearer("nonsense"), Err(BearerError::Unreadable));
    let foreign = token::sign(
        &Claims {
            uid: 1,
            utypid: 3,
            iat: T0,
            exp: T0 + 60,
            admin_id: None,
        },
        "other",
    );
    assert_eq!(d.authenticate_bearer(&foreign), Err(BearerError::Unreadable));
    assert_eq!(
        BearerError::Unreadable.message(),
        "Composite reader could not read a token"
    );
    assert_eq!(BearerError::Revoked.message(), "User token has been revoked");
}

#[test]
fn static_and_issued_admin_tokens() {
    let d = domain();
    assert_eq!(
        d.authenticate_bearer("mock-admin-token"),
        Ok(Auth::Admin { admin_id: 1 })
    );
    let t = d.admin_token("admin", "Admin-Pass-2024").unwrap();
    let c = claims_of(&d, &t);
    assert_eq!((c.uid, c.utypid, c.exp - c.iat), (1, 2, 4 * 3600));
    assert_eq!(d.authenticate_bearer(&t), Ok(Auth::Admin { admin_id: 1 }));
    assert!(d
        .authorize_admin("mock-support-token", "Magento_LoginAsCustomer::login")
        .is_some());
    assert!(d
        .authorize_admin("mock-viewer-token", "Magento_LoginAsCustomer::login")
        .is_none());
    assert!(d.authorize_admin("nope", "Magento_Customer::manage").is_none());
}

#[test]
fn admin_token_is_throttled_by_username() {
    let d = domain();
    for _ in 0..6 {
        assert_eq!(
            d.admin_token("admin", "wrong"),
            Err(AdminLoginError::InvalidCredentials)
        );
    }
    assert_eq!(
        d.admin_token("admin", "Admin-Pass-2024"),
        Err(AdminLoginError::Throttled)
    );
    assert!(d.admin_token("ADMIN", "Admin-Pass-2024").is_ok());
}

#[test]
fn password_reset_email_lands_in_the_outbox() {
    let d = domain();
    let token = d.request_password_reset("RONI_cost@example.com").unwrap();
    let mail = d.outbox_for(RONI);
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].kind, EmailKind::PasswordReset);
    assert_eq!(mail[0].to, RONI);
    assert_eq!(mail[0].token, token);
    assert_eq!(
        mail[0].link,
        format!("http://localhost:4000/customer/account/createPassword/?token={token}")
    );
    assert!(mail[0].body.contains(&mail[0].link));
}

#[test]
fn new_reset_token_replaces_the_earlier_one() {
    let d = domain();
    let first = d.request_password_reset(RONI).unwrap();
    let second = d.request_password_reset(RONI).unwrap();
    let e = d.reset_password(RONI, &first, "N3w-Password").unwrap_err();
    assert_eq!(
        e.message,
        "The password token is mismatched. Reset and try again."
    );
    d.reset_password(RONI, &second, "N3w-Password").unwrap();
    let e = d.reset_password(RONI, &second, "N3w-Password2").unwrap_err();
    assert_eq!(
        e.message, "The password token is mismatched. Reset and try again.",
        "consumed"
    );
}

#[test]
fn reset_token_expires_after_two_hours() {
    let d = domain();
    let t = d.request_password_reset(RONI).unwrap();
    d.clock().advance(7200);
    let e = d.reset_password(RONI, &t, "N3w-Password").unwrap_err();
    assert_eq!(e.message, "The password token is expired. Reset and try again.");
    assert_eq!(d.sign_in(RONI, &t, ALL), Err(SignInError::NoMatch));
}

#[test]
fn reset_password_checks_unknown_locked_and_policy() {
    let d = domain();
    assert_eq!(
        d.reset_password("x@example.com", "t", "p").unwrap_err().message,
        "Cannot set the customer's password"
    );
    assert_eq!(
        d.reset_password("locked@example.com", "t", "p")
            .unwrap_err()
            .message,
        "The account is locked"
    );
    let t = d.request_password_reset(RONI).unwrap();
    assert_eq!(
        d.reset_password(RONI, &t, "short").unwrap_err().message,
        "The password needs at least 8 characters. Create a new password and try again."
    );
    assert_eq!(
        d.live_reset_token(1),
        Some(t),
        "a policy failure does not consume the token"
    );
}

#[test]
fn reset_password_resets_both_counters() {
    let d = domain();
    for _ in 0..5 {
        d.sign_in(RONI, "wrong", ALL).unwrap_err();
    }
    let t = d.request_password_reset(RONI).unwrap();
    d.reset_password(RONI, &t, "N3w-Password").unwrap();
    assert_eq!(d.customer(1).unwrap().failures_num, 0);
    assert_eq!(d.throttle_failures(RONI), 0);
}

#[test]
fn request_reset_for_unknown_and_locked() {
    let d = domain();
    assert_eq!(
        d.request_password_reset("x@example.com").unwrap_err().message,
        "Cannot reset the customer's password"
    );
    assert_eq!(
        d.request_password_reset("locked@example.com")
            .unwrap_err()
            .message,
        "The account is locked"
    );
}

fn new_customer(email: &str) -> NewCustomer {
    NewCustomer {
        email: email.into(),
        firstname: "New".into(),
        lastname: "Person".into(),
        password: Some("N3w-Password".into()),
        ..NewCustomer::default()
    }
}

#[test]
fn created_account_waits_for_confirmation() {
    let d = domain_requiring_confirmation();
    let c = d.create_customer(&new_customer("new@example.com")).unwrap();
    assert_eq!(
        (c.id, c.confirmed, c.created_at.as_str()),
        (7, false, "2026-01-01 00:00:00")
    );
    assert_eq!(
        d.sign_in("new@example.com", "N3w-Password", ALL),
        Err(SignInError::NotConfirmed)
    );
    let mail = d.outbox_for("new@example.com");
    assert_eq!(mail[0].kind, EmailKind::Confirmation);
    assert_eq!(
        d.confirm_email("new@example.com", "wrong").unwrap_err().message,
        "The confirmation token is invalid. Verify the token and try again."
    );
    d.confirm_email("new@example.com", &mail[0].token).unwrap();
    assert_eq!(
        d.confirm_email("new@example.com", &mail[0].token)
            .unwrap_err()
            .message,
        "The account is already active."
    );
    assert!(d.sign_in("new@example.com", "N3w-Password", ALL).is_ok());
}

#[test]
fn create_checks_email_names_policy_and_uniqueness() {
    let d = domain();
    let e = |n: NewCustomer| d.create_customer(&n).unwrap_err().message;
    assert_eq!(
        e(new_customer("plainaddress")),
        "\"plainaddress\" is not a valid email address."
    );
    assert_eq!(
        e(NewCustomer {
            firstname: " ".into(),
            ..new_customer("a@example.com")
        }),
        "\"First Name\" is a required value."
    );
    assert_eq!(
        e(NewCustomer {
            lastname: "".into(),
            ..new_customer("a@example.com")
        }),
        "\"Last Name\" is a required value."
    );
    assert_eq!(
        e(NewCustomer {
            gender: Some(7),
            ..new_customer("a@example.com")
        }),
        "\"7\" is not a valid gender value."
    );
    assert!(e(NewCustomer {
        date_of_birth: Some("1990-02-30".into()),
        ..new_customer("a@example.com")
    })
    .contains("Invalid date"));
    assert_eq!(
        e(new_customer("ROni_cost@example.com")),
        "A customer with the same email address already exists in an associated website."
    );
    assert!(d
        .create_customer(&NewCustomer {
            password: None,
            ..new_customer("nopw@example.com")
        })
        .is_ok());
}

#[test]
fn names_are_checked_by_magentos_name_validator_and_refused_names_store_nothing() {
    let d = domain();
    let before = d.footprint();
    let e = |n: NewCustomer| d.create_customer(&n).unwrap_err().message;
    assert_eq!(
        e(NewCustomer {
            firstname: "a".repeat(1 << 20),
            ..new_customer("long@example.com")
        }),
        "First Name is not valid!"
    );
    assert_eq!(
        e(NewCustomer {
            lastname: "Smith<script>".into(),
            ..new_customer("a@example.com")
        }),
        "Last Name is not valid!"
    );
    assert_eq!(
        e(NewCustomer {
            firstname: "x".repeat(256),
            middlename: Some("M!".into()),
            lastname: "é".repeat(256),
            ..new_customer("a@example.com")
        }),
        "First Name is not valid!\nLast Name is not valid!\nMiddle Name is not valid!"
    );
    assert_eq!(d.footprint(), before, "a refused account leaves nothing behind");
    assert!(d.customer_by_email("long@example.com").is_none());
    assert_eq!(
        d.update_customer(
            1,
            &CustomerUpdate {
                middlename: Some("a".repeat(300)),
                ..CustomerUpdate::default()
            }
        )
        .unwrap_err()
        .message,
        "Middle Name is not valid!"
    );
    assert_eq!(
        d.admin_update_customer(
            1,
            &CustomerUpdate {
                firstname: Some("Ron@ld".into()),
                ..CustomerUpdate::default()
            }
        )
        .unwrap_err()
        .message,
        "First Name is not valid!"
    );
    assert_eq!(d.customer(1).unwrap().firstname, "Veronica");
}

#[test]
fn text_fields_are_cut_to_magentos_columns() {
    let d = domain();
    let c = d
        .create_customer(&NewCustomer {
            // No allowed character at all: Magento's validator lets it through, the column cuts it.
            firstname: "@".repeat(1 << 20),
            lastname: format!("Person{}", " ".repeat(1 << 20)),
            prefix: Some("p".repeat(1000)),
            suffix: Some("s".repeat(41)),
            taxvat: Some("t".repeat(51)),
            ..new_customer("cut@example.com")
        })
        .unwrap();
    assert_eq!(c.firstname, "@".repeat(255));
    assert_eq!(c.lastname.len(), 255);
    assert_eq!(c.prefix.as_deref(), Some("p".repeat(40).as_str()));
    assert_eq!(c.suffix().as_deref(), Some("s".repeat(40).as_str()));
    assert_eq!(c.taxvat.as_deref(), Some("t".repeat(50).as_str()));
    let c = d
        .update_customer(
            c.id,
            &CustomerUpdate {
                prefix: Some("é".repeat(45)),
                ..CustomerUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(
        c.prefix.as_deref(),
        Some("é".repeat(40).as_str()),
        "characters, not bytes"
    );
}

#[test]
fn customers_created_at_run_time_are_capped_until_some_are_deleted() {
    let mut f = Fixtures::embedded_default();
    f.settings.max_created_customers = 2;
    let d = Domain::new(f, Clock::virtual_at(T0));
    let first = d.create_customer(&new_customer("one@example.com")).unwrap();
    let fixture: CustomerFixture =
        serde_json::from_value(serde_json::json!({"email":"two@example.com","firstname":"T","lastname":"W"}))
            .unwrap();
    d.add_customer(&fixture).unwrap();
    let refused = d.create_customer(&new_customer("three@example.com")).unwrap_err();
    assert_eq!(refused.kind, RefusalKind::LimitReached);
    assert!(refused
        .message
        .starts_with("This mock store already holds 2 customers created at run time (since the last reset)"));
    // The duplicate check still answers first.
    assert_eq!(
        d.create_customer(&new_customer("one@example.com"))
            .unwrap_err()
            .message,
        msg::EMAIL_ALREADY_EXISTS
    );
    // Deleting a fixture customer makes no room; deleting a created one does.
    assert!(d.delete_customer(6));
    assert!(d.create_customer(&new_customer("three@example.com")).is_err());
    assert!(d.delete_customer(first.id));
    assert!(d.create_customer(&new_customer("three@example.com")).is_ok());
    d.reset();
    assert_eq!(d.footprint().created_customers, 0);
}

#[test]
fn a_deleted_customer_leaves_no_revocation_or_cart_behind() {
    let d = domain();
    let c = d.create_customer(&new_customer("gone@example.com")).unwrap();
    d.revoke_customer_tokens(c.id);
    d.customer_cart(c.id);
    let f = d.footprint();
    assert_eq!((f.revocations, f.carts, f.created_customers), (1, 1, 1));
    assert!(d.delete_customer(c.id));
    let f = d.footprint();
    assert_eq!((f.revocations, f.carts, f.created_customers), (0, 0, 0));
}

#[test]
fn replaced_one_time_codes_keep_one_expiry_per_customer() {
    let mut f = Fixtures::embedded_default();
    f.settings.otc_ttl_seconds = 365 * 86_400;
    let d = Domain::new(f, Clock::virtual_at(T0));
    for _ in 0..50 {
        d.issue_otc(2, 1).unwrap();
        d.clock().advance(1);
    }
    assert_eq!(d.footprint().otc_expiries, 1);
}

#[test]
fn control_api_customers_meet_magentos_save_rules() {
    let d = domain();
    let fixture = |v: serde_json::Value| -> CustomerFixture { serde_json::from_value(v).unwrap() };
    let e = |f: CustomerFixture| d.add_customer(&f).unwrap_err().message;
    assert_eq!(
        e(fixture(
            serde_json::json!({"email":"c@example.com","firstname":"a".repeat(300),"lastname":"L"})
        )),
        "First Name is not valid!"
    );
    assert_eq!(
        e(fixture(
            serde_json::json!({"email":"c@example.com","firstname":"F","lastname":"L","password":"p".repeat(257)})
        )),
        "Please enter a password with at most 256 characters."
    );
    assert_eq!(
        e(fixture(
            serde_json::json!({"email":"c@example.com","firstname":"F","lastname":"L","confirmed":false,"confirmation_key":"k".repeat(65)})
        )),
        "confirmation_key has at most 64 characters (Magento's customer_entity.confirmation column)."
    );
    let c = d
        .add_customer(&fixture(
            serde_json::json!({"email":"c@example.com","firstname":"F","lastname":"L","taxvat":"9".repeat(100)}),
        ))
        .unwrap();
    assert_eq!(c.taxvat.as_deref(), Some("9".repeat(50).as_str()));
    let mut changed = c.to_fixture();
    changed.lastname = "L".repeat(256);
    assert_eq!(
        d.replace_customer(c.id, &changed).unwrap_err().message,
        "Last Name is not valid!"
    );
}

#[test]
fn resend_confirmation() {
    let d = domain();
    d.resend_confirmation("unconfirmed@example.com").unwrap();
    assert_eq!(d.outbox()[0].token, "0123456789abcdef0123456789abcdef");
    assert_eq!(
        d.resend_confirmation(RONI).unwrap_err().message,
        "Confirmation isn't needed."
    );
    assert_eq!(
        d.resend_confirmation("x@example.com").unwrap_err().message,
        "There is no user registered with that email address."
    );
}

#[test]
fn update_customer_checks_account_then_fields() {
    let d = domain_requiring_confirmation();
    let u = CustomerUpdate {
        allow_remote_shopping_assistance: Some(true),
        ..CustomerUpdate::default()
    };
    assert!(d.update_customer(1, &u).unwrap().allow_remote_shopping_assistance);
    assert_eq!(
        d.update_customer(4, &u).unwrap_err().message,
        "The account is locked."
    );
    assert_eq!(
        d.update_customer(3, &u).unwrap_err().message,
        "This account isn't confirmed. Verify and try again."
    );
    let bad = CustomerUpdate {
        firstname: Some("".into()),
        ..CustomerUpdate::default()
    };
    assert_eq!(
        d.update_customer(1, &bad).unwrap_err().message,
        "\"First Name\" is a required value."
    );
}

#[test]
fn token_as_admin_checks_permissions_then_customer() {
    let d = domain();
    let admin = |id| Auth::Admin { admin_id: id };
    assert_eq!(
        d.customer_token_as_admin(Auth::Guest, RONI).unwrap_err().message,
        "The current customer isn't authorized."
    );
    assert_eq!(
        d.customer_token_as_admin(admin(2), RONI).unwrap_err().message,
        "Allow remote shopping assistance is disabled."
    );
    assert_eq!(
        d.customer_token_as_admin(admin(3), RONI).unwrap_err().message,
        "The current user does not have permission to login as customer."
    );
    assert_eq!(
        d.customer_token_as_admin(admin(1), "x@example.com")
            .unwrap_err()
            .message,
        "Customer email provided does not exist"
    );
    let t = d.customer_token_as_admin(admin(1), RONI).unwrap();
    assert_eq!(claims_of(&d, &t).admin_id, Some(1));
}

#[test]
fn deleted_customer_tokens_read_as_revoked() {
    let d = domain();
    let t = d.sign_in(RONI, RONI_PW, ALL).unwrap();
    assert!(d.delete_customer(1));
    assert_eq!(d.authenticate_bearer(&t), Err(BearerError::Revoked));
}

#[test]
fn reset_returns_to_the_fixtures() {
    let d = domain();
    d.create_customer(&new_customer("new@example.com")).unwrap();
    d.sign_in(RONI, "wrong", ALL).unwrap_err();
    d.revoke_customer_tokens(1);
    d.reset();
    assert!(d.customer_by_email("new@example.com").is_none());
    assert_eq!(d.throttle_failures(RONI), 0);
    assert!(d.outbox().is_empty());
    assert_eq!(d.customers().len(), 6);
}

#[test]
fn purge_expired_drops_dead_entries_only() {
    let d = domain();
    d.sign_in(RONI, "wrong", ALL).unwrap_err();
    let otc = d.issue_otc(2, 1).unwrap();
    d.request_password_reset(RONI).unwrap();
    d.clock().advance(30);
    d.purge_expired();
    assert_eq!(d.otc_issued_at(2), None);
    assert!(d.reset_token_issued_at(1).is_some());
    assert_eq!(d.throttle_failures(RONI), 1);
    assert_eq!(d.sign_in(ASSISTED, &otc, ALL), Err(SignInError::NoMatch));
}

fn race(d: &std::sync::Arc<Domain>, email: &'static str, secret: String) -> usize {
    let handles: Vec<_> = (0..32)
        .map(|_| {
            let (d, secret) = (d.clone(), secret.clone());
            std::thread::spawn(move || d.sign_in(email, &secret, ALL).is_ok())
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count()
}

#[test]
fn thirty_two_concurrent_sign_ins_with_one_otc_yield_one_token() {
    let d = std::sync::Arc::new(domain());
    let otc = d.issue_otc(2, 1).unwrap();
    assert_eq!(race(&d, ASSISTED, otc), 1);
}

#[test]
fn thirty_two_concurrent_sign_ins_with_one_reset_token_yield_one_token() {
    let d = std::sync::Arc::new(domain());
    let reset = d.request_password_reset(RONI).unwrap();
    assert_eq!(race(&d, RONI, reset), 1);
}

#[test]
fn default_fixtures_hold_a_customer_in_every_state() {
    let d = domain_requiring_confirmation();
    let all = d.customers();
    let s = d.settings();
    assert!(all
        .iter()
        .any(|c| c.has_password() && !c.allow_remote_shopping_assistance && !c.is_locked(T0)));
    assert!(all
        .iter()
        .any(|c| c.allow_remote_shopping_assistance && c.has_password()));
    assert!(all.iter().any(|c| c.awaits_confirmation(s.confirmation_required)));
    assert!(all.iter().any(|c| c.is_locked(T0)));
    assert!(all.iter().any(|c| !c.has_password()));
}

#[test]
fn admin_side_customer_management() {
    let d = domain();
    assert_eq!(d.search_customers_by_email("ASSISTED@example.com").len(), 1);
    let u = CustomerUpdate {
        email: Some("renamed@example.com".into()),
        ..CustomerUpdate::default()
    };
    assert_eq!(
        d.admin_update_customer(1, &u).unwrap().email,
        "renamed@example.com"
    );
    let clash = CustomerUpdate {
        email: Some("ASSISTED@example.com".into()),
        ..CustomerUpdate::default()
    };
    assert_eq!(
        d.admin_update_customer(1, &clash).unwrap_err().message,
        "A customer with the same email address already exists in an associated website."
    );
    // The admin update reaches locked accounts too.
    assert!(d
        .admin_update_customer(
            4,
            &CustomerUpdate {
                firstname: Some("L".into()),
                ..CustomerUpdate::default()
            }
        )
        .is_ok());
    let t = d.admin_issued_customer_token(2, 1).unwrap();
    assert_eq!(claims_of(&d, &t).admin_id, Some(1));
    assert_eq!(d.admin_issued_customer_token(99, 1), None);
    assert!(d.set_assistance_allowed(1, true));
    assert!(d.issue_otc(1, 1).is_ok());
    assert!(!d.set_assistance_allowed(99, true));
    assert!(!d.delete_customer(99));
}

#[test]
fn the_outbox_keeps_the_newest_emails_only() {
    let d = domain();
    for _ in 0..OUTBOX_CAPACITY + 5 {
        d.request_password_reset(RONI).unwrap();
    }
    let outbox = d.outbox();
    assert_eq!(outbox.len(), OUTBOX_CAPACITY);
    assert_eq!(outbox.first().unwrap().id, 6);
    assert_eq!(outbox.last().unwrap().id, OUTBOX_CAPACITY as u64 + 5);
}

#[test]
fn failures_with_huge_emails_are_throttled_under_a_small_key() {
    let d = domain();
    let huge = format!("{}@example.com", "x".repeat(1 << 20));
    let saas = AcceptedSecrets {
        password: true,
        reset_token: true,
        otc: true,
    };
    for _ in 0..6 {
        assert!(d.sign_in(&huge, "wrong", saas).is_err());
    }
    assert_eq!(d.throttle_failures(&huge), 6);
    assert_eq!(d.sign_in(&huge, "wrong", saas), Err(SignInError::Throttled));
}

#[test]
fn ids_of_deleted_customers_are_never_given_again() {
    let d = domain();
    let first = d.create_customer(&new_customer("first@example.com")).unwrap();
    assert_eq!(first.id, 7);
    // Revoked at this second, then deleted: a recycled id would inherit the revocation.
    d.revoke_customer_tokens(first.id);
    assert!(d.delete_customer(first.id));
    let second = d.create_customer(&new_customer("second@example.com")).unwrap();
    assert_eq!(second.id, 8);
    d.reset();
    let after_reset = d.create_customer(&new_customer("third@example.com")).unwrap();
    assert_eq!(after_reset.id, 7, "reset goes back to the fixtures' numbering");
}

#[test]
fn by_default_a_new_account_signs_in_at_once() {
    let d = domain();
    let c = d.create_customer(&new_customer("new@example.com")).unwrap();
    assert!(c.confirmed);
    assert!(d.outbox_for("new@example.com").is_empty());
    assert!(d.sign_in("new@example.com", "N3w-Password", ALL).is_ok());
    assert!(
        d.sign_in("unconfirmed@example.com", "Unconfirmed-2024", ALL)
            .is_ok(),
        "the unconfirmed fixture account signs in while confirmation is not required"
    );
}

#[test]
fn a_live_reset_token_names_its_customer_until_used_replaced_or_expired() {
    let d = domain();
    assert_eq!(d.customer_by_live_reset_token(""), None);
    let first = d.request_password_reset(RONI).unwrap();
    assert_eq!(d.customer_by_live_reset_token(&first).map(|c| c.id), Some(1));
    assert_eq!(d.customer_by_live_reset_token(&first.to_lowercase()), None);
    // A new request replaces the token: the old link no longer names anyone.
    let second = d.request_password_reset(RONI).unwrap();
    assert_eq!(d.customer_by_live_reset_token(&first), None);
    assert_eq!(
        d.customer_by_live_reset_token(&second)
            .map(|c| c.email.to_string()),
        Some(RONI.to_string())
    );
    // Live for 2 hours less a second; expired at exactly 2 hours.
    d.clock().advance(7199);
    assert!(d.customer_by_live_reset_token(&second).is_some());
    d.clock().advance(1);
    assert_eq!(d.customer_by_live_reset_token(&second), None);
    // Used: gone.
    let third = d.request_password_reset(RONI).unwrap();
    d.reset_password(RONI, &third, "N3w-Password-2026").unwrap();
    assert_eq!(d.customer_by_live_reset_token(&third), None);
}
