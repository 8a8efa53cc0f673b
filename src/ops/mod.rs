//! The GraphQL operations of spec section 5 (plus `isEmailAvailable` 5.10 and `storeConfig` 8),
//! one file per operation, registered as root resolvers on the engine.
//!
//! Each operation reads its arguments, applies the argument checks of its spec section in
//! order, and asks the [`Domain`] for the rest. Profile differences come from `profile.caps()`.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::domain::messages as msg;
use crate::domain::recaptcha::Form;
use crate::domain::{Auth, Customer, Domain, Refusal, RefusalKind};
use crate::graphql::{Args, Category, Engine, FieldError, Schema};
use crate::profile::Profile;
use recaptcha::guarded;

pub(crate) mod attributes_form;
pub(crate) mod change_customer_password;
pub(crate) mod confirm_email;
pub(crate) mod create_customer;
pub(crate) mod create_customer_v2;
pub(crate) mod create_empty_cart;
pub(crate) mod customer;
pub(crate) mod customer_cart;
pub(crate) mod exchange_otp_for_customer_token;
pub(crate) mod generate_customer_token;
pub(crate) mod generate_customer_token_as_admin;
pub(crate) mod is_email_available;
pub(crate) mod merge_carts;
pub(crate) mod recaptcha;
pub(crate) mod recaptcha_form_config;
pub(crate) mod recaptcha_form_configs;
pub(crate) mod recaptcha_v3_config;
pub(crate) mod request_password_reset_email;
pub(crate) mod resend_confirmation_email;
pub(crate) mod reset_password;
pub(crate) mod revoke_customer_token;
pub(crate) mod store_config;
pub(crate) mod update_customer_v2;

/// What every resolver gets: the shared domain, the profile served, who is asking, and the
/// request's `X-ReCaptcha` header (for the protected mutations, see [`recaptcha`]).
pub struct RequestCtx {
    pub domain: Arc<Domain>,
    pub profile: Profile,
    pub auth: Auth,
    /// The `X-ReCaptcha` header's value; `None` when absent (or not text).
    pub recaptcha: Option<String>,
}

/// The storefront schema subset of spec section 3.
pub(crate) const SCHEMA_SDL: &str = include_str!("../../schema/schema.graphql");

/// Builds the engine for a profile: the schema minus the fields the profile lacks, and every
/// operation's resolver; the mutations a reCAPTCHA form protects are wrapped in its check.
pub(crate) fn build_engine(profile: Profile) -> Engine<RequestCtx> {
    let caps = profile.caps();
    let mut schema = Schema::from_sdl(SCHEMA_SDL).expect("schema/schema.graphql is valid SDL");
    if !caps.exchange_otp_mutation {
        schema = schema.without_field("Mutation", "exchangeOtpForCustomerToken");
    }
    if !caps.customer_group_field {
        schema = schema.without_field("Customer", "group");
    }
    if !caps.recaptcha_form_configs {
        schema = schema
            .without_field("Query", "recaptchaFormConfigs")
            .without_type("ReCaptchaFormConfigItem")
            .without_enum_value("ReCaptchaTypeEmum", "RECAPTCHA_ENTERPRISE");
    }
    if !caps.recaptcha_form_config {
        schema = schema
            .without_field("Query", "recaptchaFormConfig")
            .without_type("ReCaptchaConfigOutput")
            .without_type("ReCaptchaConfiguration")
            .without_type("ReCaptchaTypeEmum")
            .without_field("ReCaptchaConfigurationV3", "theme")
            .without_enum_value("ReCaptchaFormEnum", "RESEND_CONFIRMATION_EMAIL")
            .without_enum_value("ReCaptchaFormEnum", "COMPANY_CREATE");
    }
    let mut engine = Engine::new(schema);
    engine
        .resolver("Query", "customer", customer::resolve)
        .resolver("Query", "isEmailAvailable", is_email_available::resolve)
        .resolver("Query", "storeConfig", store_config::resolve)
        .resolver("Query", "attributesForm", attributes_form::resolve)
        .resolver("Query", "recaptchaV3Config", recaptcha_v3_config::resolve)
        .resolver("Query", "recaptchaFormConfig", recaptcha_form_config::resolve)
        .resolver("Query", "recaptchaFormConfigs", recaptcha_form_configs::resolve)
        .resolver(
            "Mutation",
            "createCustomer",
            guarded(Form::CustomerCreate, create_customer::resolve),
        )
        .resolver("Query", "customerCart", customer_cart::resolve)
        .resolver("Mutation", "createEmptyCart", create_empty_cart::resolve)
        .resolver("Mutation", "mergeCarts", merge_carts::resolve)
        .resolver(
            "Mutation",
            "generateCustomerToken",
            guarded(Form::CustomerLogin, generate_customer_token::resolve),
        )
        .resolver("Mutation", "revokeCustomerToken", revoke_customer_token::resolve)
        .resolver(
            "Mutation",
            "requestPasswordResetEmail",
            guarded(
                Form::CustomerForgotPassword,
                request_password_reset_email::resolve,
            ),
        )
        .resolver(
            "Mutation",
            "resetPassword",
            guarded(Form::CustomerForgotPassword, reset_password::resolve),
        )
        .resolver(
            "Mutation",
            "createCustomerV2",
            guarded(Form::CustomerCreate, create_customer_v2::resolve),
        )
        .resolver("Mutation", "updateCustomerV2", update_customer_v2::resolve)
        .resolver(
            "Mutation",
            "changeCustomerPassword",
            guarded(Form::CustomerEdit, change_customer_password::resolve),
        )
        .resolver(
            "Mutation",
            "generateCustomerTokenAsAdmin",
            generate_customer_token_as_admin::resolve,
        )
        .resolver("Mutation", "confirmEmail", confirm_email::resolve)
        .resolver(
            "Mutation",
            "resendConfirmationEmail",
            guarded(Form::ResendConfirmationEmail, resend_confirmation_email::resolve),
        );
    if caps.exchange_otp_mutation {
        engine.resolver(
            "Mutation",
            "exchangeOtpForCustomerToken",
            guarded(Form::CustomerLogin, exchange_otp_for_customer_token::resolve),
        );
    }
    engine
}

/// A domain refusal as a field error of its category.
pub(crate) fn refusal(r: Refusal) -> FieldError {
    let category = match r.kind {
        // A bound of the mock is a field error the client can read and act on, like bad input.
        RefusalKind::Input | RefusalKind::LimitReached => Category::Input,
        RefusalKind::Authentication => Category::Authentication,
        RefusalKind::Authorization => Category::Authorization,
        RefusalKind::NoSuchEntity => Category::NoSuchEntity,
        RefusalKind::AlreadyExists => Category::AlreadyExists,
    };
    FieldError::new(category, r.message)
}

pub(crate) fn input_error(message: impl Into<String>) -> FieldError {
    FieldError::new(Category::Input, message)
}

pub(crate) fn authentication_error(message: impl Into<String>) -> FieldError {
    FieldError::new(Category::Authentication, message)
}

pub(crate) fn authorization_error(message: impl Into<String>) -> FieldError {
    FieldError::new(Category::Authorization, message)
}

/// A string argument; absent or null reads as `""` (the engine has already enforced `String!`).
pub(crate) fn str_arg<'a>(args: &'a Args, name: &str) -> &'a str {
    args.get(name).and_then(Value::as_str).unwrap_or("")
}

/// An optional string field of an input object (`null` counts as absent).
pub(crate) fn opt_str(input: &Map<String, Value>, name: &str) -> Option<String> {
    input.get(name).and_then(Value::as_str).map(str::to_string)
}

/// An input-object argument (empty when absent).
pub(crate) fn object_arg(args: &Args, name: &str) -> Map<String, Value> {
    args.get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The signed-in customer's id; guests and admins get `The current customer isn't authorized.`
pub(crate) fn require_customer(ctx: &RequestCtx) -> Result<u64, FieldError> {
    match ctx.auth {
        Auth::Customer { customer_id, .. } => Ok(customer_id),
        Auth::Guest | Auth::Admin { .. } => Err(authorization_error(msg::NOT_AUTHORIZED)),
    }
}

/// The `Customer` object (spec 3): `id` is always null; `dob` repeats `date_of_birth`.
///
/// `confirmation_status` (**mock decision**): `ACCOUNT_CONFIRMED` when confirmation is required
/// and done; otherwise `ACCOUNT_CONFIRMATION_NOT_REQUIRED` — including a new account still
/// waiting for confirmation, since the enum has no "required" value (Magento would fail there).
/// `group.uid` is the base64 of the group id, as Magento encodes uids.
pub(crate) fn customer_json(domain: &Domain, c: &Customer) -> Value {
    use base64::Engine as _;
    let status = if domain.settings().confirmation_required && c.confirmed {
        "ACCOUNT_CONFIRMED"
    } else {
        "ACCOUNT_CONFIRMATION_NOT_REQUIRED"
    };
    json!({
        "id": null,
        "created_at": c.created_at,
        "prefix": c.prefix,
        "firstname": c.firstname,
        "middlename": c.middlename(),
        "lastname": c.lastname,
        "suffix": c.suffix(),
        "email": c.email,
        "date_of_birth": c.date_of_birth(),
        "dob": c.date_of_birth(),
        "gender": c.gender(),
        "taxvat": c.taxvat,
        "is_subscribed": c.is_subscribed,
        "allow_remote_shopping_assistance": c.allow_remote_shopping_assistance,
        "confirmation_status": status,
        "group": { "uid": base64::engine::general_purpose::STANDARD.encode(c.group_id.to_string()) },
        "addresses": [],
        "default_billing": null,
        "default_shipping": null,
        "custom_attributes": [],
    })
}

/// The signed-in customer's id, `None` for a guest; an admin token is refused like a guest
/// would be on a customer-only operation.
pub(crate) fn customer_or_guest(ctx: &RequestCtx) -> Result<Option<u64>, FieldError> {
    match ctx.auth {
        Auth::Customer { customer_id, .. } => Ok(Some(customer_id)),
        Auth::Guest => Ok(None),
        Auth::Admin { .. } => Err(authorization_error(msg::NOT_AUTHORIZED)),
    }
}

/// The `Cart` object: the mock's carts are always empty.
pub(crate) fn cart_json(domain: &Domain, cart: &crate::domain::cart::Cart) -> Value {
    let email = cart
        .customer_id
        .and_then(|id| domain.current_customer(id).ok())
        .map(|c| c.email);
    json!({
        "id": cart.id,
        "email": email,
        "is_virtual": false,
        "items": [],
        "total_quantity": 0.0,
        "available_payment_methods": [],
    })
}

/// `{ "customer": … }` (`CustomerOutput`).
pub(crate) fn customer_output(domain: &Domain, c: &Customer) -> Value {
    json!({ "customer": customer_json(domain, c) })
}

#[cfg(test)]
mod tests;
