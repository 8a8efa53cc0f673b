//! Operation tests that call the resolvers directly (no engine, no server): every message of
//! spec section 5 with its category, per profile.

use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use crate::domain::{Clock, Fixtures};
use crate::graphql::Resolved;

const T0: i64 = 1_767_225_600;
const RONI: &str = "roni_cost@example.com";
const RONI_PW: &str = "Roni-Cost-2024";
const ASSISTED: &str = "assisted@example.com";
const GENERIC: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";

type Op = fn(&RequestCtx, &Args) -> Result<Value, FieldError>;

struct World {
    domain: Arc<Domain>,
}

impl World {
    fn new() -> World {
        World {
            domain: Arc::new(Domain::new(Fixtures::embedded_default(), Clock::virtual_at(T0))),
        }
    }
    /// The default fixtures with email confirmation required (Magento's default is not to).
    fn requiring_confirmation() -> World {
        let mut f = Fixtures::embedded_default();
        f.settings.confirmation_required = true;
        World {
            domain: Arc::new(Domain::new(f, Clock::virtual_at(T0))),
        }
    }
    fn ctx(&self, profile: Profile, auth: Auth) -> RequestCtx {
        RequestCtx {
            domain: self.domain.clone(),
            profile,
            auth,
            recaptcha: None,
        }
    }
    /// Calls `op`, its answer as JSON (an answer given as fields too).
    fn call<R: Into<Resolved>>(
        &self,
        op: fn(&RequestCtx, &Args) -> Result<R, FieldError>,
        profile: Profile,
        auth: Auth,
        args: Value,
    ) -> Result<Value, FieldError> {
        let args: Args = args
            .as_object()
            .expect("args object")
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        op(&self.ctx(profile, auth), &args).map(|r| r.into().into_json())
    }
    fn guest(&self, op: Op, args: Value) -> Result<Value, FieldError> {
        self.call(op, Profile::Saas, Auth::Guest, args)
    }
    fn as_customer(&self, op: Op, id: u64, args: Value) -> Result<Value, FieldError> {
        self.call(
            op,
            Profile::Saas,
            Auth::Customer {
                customer_id: id,
                admin_id: None,
            },
            args,
        )
    }
    fn sign_in(&self, profile: Profile, email: &str, password: &str) -> Result<Value, FieldError> {
        self.call(
            generate_customer_token::resolve,
            profile,
            Auth::Guest,
            json!({"email": email, "password": password}),
        )
    }
}

fn fails(r: Result<Value, FieldError>, category: &str, message: &str) {
    let e = r.expect_err("the operation should fail");
    assert_eq!((e.category.as_str(), e.message.as_str()), (category, message));
}

const INPUT: &str = "graphql-input";
const AUTHN: &str = "graphql-authentication";
const AUTHZ: &str = "graphql-authorization";

// ----- generateCustomerToken (5.1) -----------------------------------------------------------

#[test]
fn generate_token_empty_email_and_password_in_php_sense() {
    let w = World::new();
    fails(
        w.sign_in(Profile::Saas, "", "x"),
        INPUT,
        "Specify the \"email\" value.",
    );
    fails(
        w.sign_in(Profile::Saas, "0", "x"),
        INPUT,
        "Specify the \"email\" value.",
    );
    fails(
        w.sign_in(Profile::Saas, RONI, ""),
        INPUT,
        "Specify the \"password\" value.",
    );
    fails(
        w.sign_in(Profile::Saas, RONI, "0"),
        INPUT,
        "Specify the \"password\" value.",
    );
    fails(w.sign_in(Profile::Saas, " ", "x"), AUTHN, GENERIC);
}

#[test]
fn generate_token_success_and_generic_failures() {
    let w = World::new();
    let ok = w.sign_in(Profile::Saas, RONI, RONI_PW).unwrap();
    assert!(ok["token"]
        .as_str()
        .unwrap()
        .starts_with("eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ."));
    fails(w.sign_in(Profile::Saas, RONI, "wrong"), AUTHN, GENERIC);
    fails(
        w.sign_in(Profile::Saas, "nobody@example.com", "x"),
        AUTHN,
        GENERIC,
    );
    fails(
        w.sign_in(Profile::Saas, "locked@example.com", "Locked-2024"),
        AUTHN,
        GENERIC,
    );
}

#[test]
fn unconfirmed_message_depends_on_the_profile() {
    let w = World::requiring_confirmation();
    let msg = "This account isn't confirmed. Verify and try again.";
    fails(
        w.sign_in(Profile::Saas, "unconfirmed@example.com", "Unconfirmed-2024"),
        AUTHN,
        msg,
    );
    fails(
        w.sign_in(Profile::Paas248, "unconfirmed@example.com", "Unconfirmed-2024"),
        AUTHN,
        msg,
    );
    fails(
        w.sign_in(Profile::Paas247, "unconfirmed@example.com", "Unconfirmed-2024"),
        AUTHN,
        GENERIC,
    );
}

#[test]
fn reset_token_and_otc_are_passwords_on_saas_only() {
    for profile in [Profile::Paas248, Profile::Paas247] {
        let w = World::new();
        let reset = w.domain.request_password_reset(ASSISTED).unwrap();
        let otc = w.domain.issue_otc(2, 1).unwrap();
        fails(w.sign_in(profile, ASSISTED, &reset), AUTHN, GENERIC);
        fails(w.sign_in(profile, ASSISTED, &otc), AUTHN, GENERIC);
    }
    let w = World::new();
    let reset = w.domain.request_password_reset(ASSISTED).unwrap();
    let otc = w.domain.issue_otc(2, 1).unwrap();
    assert!(w.sign_in(Profile::Saas, ASSISTED, &reset).is_ok());
    assert!(w.sign_in(Profile::Saas, ASSISTED, &otc).is_ok());
}

// ----- exchangeOtpForCustomerToken (5.2) ------------------------------------------------------

#[test]
fn exchange_otp_accepts_otc_and_reset_token_but_not_the_password() {
    let w = World::new();
    let op = exchange_otp_for_customer_token::resolve;
    fails(
        w.guest(op, json!({"email": "", "otp": "x"})),
        INPUT,
        "Specify the \"email\" value.",
    );
    fails(
        w.guest(op, json!({"email": ASSISTED, "otp": ""})),
        INPUT,
        "Specify the \"otp\" value.",
    );
    fails(
        w.guest(op, json!({"email": ASSISTED, "otp": "Assisted-2024"})),
        AUTHN,
        GENERIC,
    );
    let otc = w.domain.issue_otc(2, 1).unwrap();
    assert!(w.guest(op, json!({"email": ASSISTED, "otp": otc})).is_ok());
    let reset = w.domain.request_password_reset(ASSISTED).unwrap();
    assert!(w.guest(op, json!({"email": ASSISTED, "otp": reset})).is_ok());
}

// ----- revokeCustomerToken (5.3), customer (5.4) ----------------------------------------------

#[test]
fn customer_only_operations_refuse_guests_and_admins() {
    let w = World::new();
    let not = "The current customer isn't authorized.";
    let ops: [(Op, Value); 4] = [
        (revoke_customer_token::resolve, json!({})),
        (customer::resolve, json!({})),
        (update_customer_v2::resolve, json!({"input": {"firstname": "X"}})),
        (
            change_customer_password::resolve,
            json!({"currentPassword": "a", "newPassword": "b"}),
        ),
    ];
    for (op, args) in ops {
        fails(w.guest(op, args.clone()), AUTHZ, not);
        fails(
            w.call(op, Profile::Saas, Auth::Admin { admin_id: 1 }, args),
            AUTHZ,
            not,
        );
    }
}

#[test]
fn revoke_answers_result_true() {
    let w = World::new();
    assert_eq!(
        w.as_customer(revoke_customer_token::resolve, 1, json!({}))
            .unwrap(),
        json!({"result": true})
    );
}

#[test]
fn customer_object_has_null_id_and_spec_fields() {
    let w = World::requiring_confirmation();
    let c = w.as_customer(customer::resolve, 1, json!({})).unwrap();
    assert_eq!(
        c,
        json!({
            "id": null, "created_at": "2025-01-15 09:30:00", "prefix": null, "firstname": "Veronica",
            "middlename": null, "lastname": "Costello", "suffix": null, "email": RONI,
            "date_of_birth": "1973-12-15", "dob": "1973-12-15", "gender": 2, "taxvat": null,
            "is_subscribed": false, "allow_remote_shopping_assistance": false,
            "confirmation_status": "ACCOUNT_CONFIRMED", "group": {"uid": "MQ=="},
            "addresses": [], "default_billing": null, "default_shipping": null, "custom_attributes": []
        })
    );
}

#[test]
fn customer_locked_and_unconfirmed() {
    let w = World::requiring_confirmation();
    fails(
        w.as_customer(customer::resolve, 4, json!({})),
        AUTHN,
        "The account is locked.",
    );
    fails(
        w.as_customer(customer::resolve, 3, json!({})),
        AUTHN,
        "This account isn't confirmed. Verify and try again.",
    );
}

// ----- updateCustomerV2 (5.4) -----------------------------------------------------------------

#[test]
fn update_customer_messages() {
    let w = World::new();
    let up = |input: Value| w.as_customer(update_customer_v2::resolve, 1, json!({ "input": input }));
    fails(up(json!({})), INPUT, "\"input\" value should be specified");
    fails(
        up(json!({"firstname": ""})),
        INPUT,
        "\"First Name\" is a required value.",
    );
    fails(
        up(json!({"lastname": ""})),
        INPUT,
        "\"Last Name\" is a required value.",
    );
    fails(
        up(json!({"gender": 5})),
        INPUT,
        "\"5\" is not a valid gender value.",
    );
    let e = up(json!({"date_of_birth": "31/31/1990"})).unwrap_err();
    assert!(e.message.contains("Invalid date") && e.category == INPUT, "{e:?}");
    let out = up(json!({"allow_remote_shopping_assistance": true, "date_of_birth": "1990-1-5"})).unwrap();
    assert_eq!(out["customer"]["allow_remote_shopping_assistance"], json!(true));
    assert_eq!(out["customer"]["date_of_birth"], json!("1990-1-5"));
    fails(
        w.as_customer(update_customer_v2::resolve, 4, json!({"input": {}})),
        INPUT,
        "\"input\" value should be specified",
    );
    fails(
        w.as_customer(
            update_customer_v2::resolve,
            4,
            json!({"input": {"firstname": "X"}}),
        ),
        AUTHN,
        "The account is locked.",
    );
}

// ----- changeCustomerPassword (5.4) -----------------------------------------------------------

#[test]
fn change_password_messages() {
    let w = World::new();
    let ch = |id, cur: &str, new: &str| {
        w.as_customer(
            change_customer_password::resolve,
            id,
            json!({"currentPassword": cur, "newPassword": new}),
        )
    };
    fails(ch(1, "", "x"), INPUT, "Specify the \"currentPassword\" value.");
    fails(ch(1, RONI_PW, ""), INPUT, "Specify the \"newPassword\" value.");
    fails(
        ch(1, "wrong", "N3w-Password"),
        AUTHN,
        "Invalid login or password.",
    );
    fails(
        ch(1, RONI_PW, "short"),
        INPUT,
        "The password needs at least 8 characters. Create a new password and try again.",
    );
    let c = ch(1, RONI_PW, "N3w-Password").unwrap();
    assert_eq!(c["email"], json!(RONI));
    fails(
        ch(4, "Locked-2024", "N3w-Password"),
        AUTHN,
        "The account is locked.",
    );
}

// ----- requestPasswordResetEmail (5.5), resetPassword (5.6) -----------------------------------

#[test]
fn request_password_reset_messages() {
    let w = World::new();
    let op = request_password_reset_email::resolve;
    fails(
        w.guest(op, json!({"email": ""})),
        INPUT,
        "You must specify an email address.",
    );
    fails(
        w.guest(op, json!({"email": "plainaddress"})),
        INPUT,
        "The email address has an invalid format.",
    );
    fails(
        w.guest(op, json!({"email": "x@example.com"})),
        INPUT,
        "Cannot reset the customer's password",
    );
    fails(
        w.guest(op, json!({"email": "locked@example.com"})),
        INPUT,
        "The account is locked",
    );
    assert_eq!(w.guest(op, json!({"email": RONI})).unwrap(), json!(true));
    assert_eq!(w.domain.outbox_for(RONI).len(), 1);
}

#[test]
fn reset_password_messages_in_order() {
    let w = World::new();
    let op = reset_password::resolve;
    let rp = |e: &str, t: &str, p: &str| {
        w.guest(op, json!({"email": e, "resetPasswordToken": t, "newPassword": p}))
    };
    fails(rp("", "", ""), INPUT, "You must specify an email address.");
    fails(
        rp("bad", "", ""),
        INPUT,
        "The email address has an invalid format.",
    );
    fails(rp(RONI, "", ""), INPUT, "resetPasswordToken must be specified");
    fails(rp(RONI, "t", ""), INPUT, "newPassword must be specified");
    fails(
        rp("x@example.com", "t", "p"),
        INPUT,
        "Cannot set the customer's password",
    );
    fails(rp("locked@example.com", "t", "p"), INPUT, "The account is locked");
    fails(
        rp(RONI, "t", "p"),
        INPUT,
        "The password token is mismatched. Reset and try again.",
    );
    let token = w.domain.request_password_reset(RONI).unwrap();
    fails(
        rp(RONI, &token, "abcdefgh"),
        INPUT,
        "Minimum of different classes of characters in password is 3. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
    );
    assert_eq!(rp(RONI, &token, "N3w-Password").unwrap(), json!(true));
    fails(
        rp(RONI, &token, "N3w-Password"),
        INPUT,
        "The password token is mismatched. Reset and try again.",
    );
    let token = w.domain.request_password_reset(RONI).unwrap();
    w.domain.clock().advance(7200);
    fails(
        rp(RONI, &token, "N3w-Password"),
        INPUT,
        "The password token is expired. Reset and try again.",
    );
}

// ----- createCustomerV2 (5.8), confirmEmail, resendConfirmationEmail ---------------------------

#[test]
fn create_customer_and_confirm() {
    let w = World::requiring_confirmation();
    let create = |input: Value| w.guest(create_customer_v2::resolve, json!({ "input": input }));
    let base = json!({"firstname": "New", "lastname": "Person", "email": "new@example.com", "password": "N3w-Password"});
    fails(
        create(json!({"firstname": "A", "lastname": "B", "email": "email@example"})),
        INPUT,
        "\"email@example\" is not a valid email address.",
    );
    fails(
        create(json!({"firstname": "", "lastname": "B", "email": "a@example.com"})),
        INPUT,
        "\"First Name\" is a required value.",
    );
    fails(
        create(json!({"firstname": "A", "lastname": "B", "email": "ASSISTED@example.com"})),
        INPUT,
        "A customer with the same email address already exists in an associated website.",
    );
    let out = create(base).unwrap();
    assert_eq!(out["customer"]["id"], Value::Null);
    assert_eq!(out["customer"]["email"], json!("new@example.com"));
    fails(
        w.sign_in(Profile::Saas, "new@example.com", "N3w-Password"),
        AUTHN,
        "This account isn't confirmed. Verify and try again.",
    );
    let key = w.domain.outbox_for("new@example.com")[0].token.clone();
    let confirm = |email: &str, key: &str| {
        w.guest(
            confirm_email::resolve,
            json!({"input": {"email": email, "confirmation_key": key}}),
        )
    };
    fails(confirm("bad", &key), INPUT, "Email is invalid");
    fails(
        confirm("new@example.com", "nope"),
        INPUT,
        "The confirmation token is invalid. Verify the token and try again.",
    );
    let out = confirm("new@example.com", &key).unwrap();
    assert_eq!(out["customer"]["confirmation_status"], json!("ACCOUNT_CONFIRMED"));
    fails(
        confirm("new@example.com", &key),
        INPUT,
        "The account is already active.",
    );
    assert!(w
        .sign_in(Profile::Saas, "new@example.com", "N3w-Password")
        .is_ok());
}

#[test]
fn resend_confirmation_messages() {
    let w = World::new();
    let op = resend_confirmation_email::resolve;
    fails(
        w.guest(op, json!({"email": "bad"})),
        INPUT,
        "Email address is not valid",
    );
    fails(
        w.guest(op, json!({"email": "x@example.com"})),
        INPUT,
        "There is no user registered with that email address.",
    );
    fails(
        w.guest(op, json!({"email": RONI})),
        INPUT,
        "Confirmation isn't needed.",
    );
    assert_eq!(
        w.guest(op, json!({"email": "unconfirmed@example.com"})).unwrap(),
        json!(true)
    );
}

// ----- generateCustomerTokenAsAdmin (5.9) -----------------------------------------------------

#[test]
fn token_as_admin_messages() {
    let w = World::new();
    let op = generate_customer_token_as_admin::resolve;
    let call = |auth, email: &str| {
        w.call(
            op,
            Profile::Saas,
            auth,
            json!({"input": {"customer_email": email}}),
        )
    };
    let admin = |id| Auth::Admin { admin_id: id };
    fails(call(admin(1), ""), INPUT, "Specify the \"customer email\" value.");
    fails(
        call(Auth::Guest, RONI),
        AUTHZ,
        "The current customer isn't authorized.",
    );
    fails(
        call(
            Auth::Customer {
                customer_id: 1,
                admin_id: None,
            },
            RONI,
        ),
        AUTHZ,
        "The current customer isn't authorized.",
    );
    fails(
        call(admin(2), RONI),
        AUTHZ,
        "Allow remote shopping assistance is disabled.",
    );
    fails(
        call(admin(1), "x@example.com"),
        INPUT,
        "Customer email provided does not exist",
    );
    let out = call(admin(1), RONI).unwrap();
    assert!(out["customer_token"].as_str().unwrap().contains('.'));
}

#[test]
fn token_as_admin_when_login_as_customer_is_disabled() {
    let mut f = Fixtures::embedded_default();
    f.settings.login_as_customer_enabled = false;
    let d = Arc::new(Domain::new(f, Clock::virtual_at(T0)));
    let ctx = RequestCtx {
        domain: d,
        profile: Profile::Saas,
        auth: Auth::Admin { admin_id: 1 },
        recaptcha: None,
    };
    let args: Args = [("input", json!({"customer_email": RONI}))].into_iter().collect();
    fails(
        generate_customer_token_as_admin::resolve(&ctx, &args),
        AUTHZ,
        "Login as Customer is disabled.",
    );
}

// ----- isEmailAvailable (5.10), storeConfig (8) -----------------------------------------------

#[test]
fn is_email_available_messages() {
    let w = World::new();
    let op = is_email_available::resolve;
    fails(
        w.guest(op, json!({"email": ""})),
        INPUT,
        "Email must be specified",
    );
    fails(
        w.guest(op, json!({"email": "plainaddress"})),
        INPUT,
        "Email is invalid",
    );
    assert_eq!(
        w.guest(op, json!({"email": RONI})).unwrap(),
        json!({"is_email_available": true})
    );
}

#[test]
fn store_config_comes_from_the_fixtures() {
    let w = World::requiring_confirmation();
    let sc = w.guest(store_config::resolve, json!({})).unwrap();
    assert_eq!(sc["minimum_password_length"], json!("8"));
    assert_eq!(sc["required_character_classes_number"], json!("3"));
    assert_eq!(sc["create_account_confirmation"], json!(true));
    assert_eq!(sc["customer_access_token_lifetime"], json!(1.0));
    assert_eq!(sc["shopping_assistance_enabled"], json!(true));
    assert_eq!(sc["store_code"], json!("default"));
}

#[test]
fn by_default_confirmation_is_not_required() {
    let w = World::new();
    let sc = w.guest(store_config::resolve, json!({})).unwrap();
    assert_eq!(sc["create_account_confirmation"], json!(false));
    assert_eq!(sc["autocomplete_on_storefront"], json!(false));
    let c = w.as_customer(customer::resolve, 1, json!({})).unwrap();
    assert_eq!(
        c["confirmation_status"],
        json!("ACCOUNT_CONFIRMATION_NOT_REQUIRED")
    );
    let created = w
        .guest(
            create_customer_v2::resolve,
            json!({"input": {"email": "new@example.com", "firstname": "N", "lastname": "C", "password": "Passw0rd-Strong"}}),
        )
        .unwrap();
    assert_eq!(
        created["customer"]["confirmation_status"],
        json!("ACCOUNT_CONFIRMATION_NOT_REQUIRED")
    );
    assert!(w
        .sign_in(Profile::Saas, "new@example.com", "Passw0rd-Strong")
        .is_ok());
}
