//! Accounts (behaviour.md 5.4, 5.8, 5.10): createCustomerV2, updateCustomerV2 and the
//! assistance flag, `customer` authorisation, isEmailAvailable.

use serde_json::json;

use super::{q, Area, Ctx, Need, Run, Scenario, StepResult};
use crate::conform::mailbox::EmailKind;

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::Account, name, description, run);
    vec![
        s("account/create", "createCustomerV2 returns the customer with id null; the same email twice is refused", create),
        s("account/create_validation", "createCustomerV2 input checks: missing fields, invalid emails, empty names", create_validation),
        s("account/create_valid_emails", "createCustomerV2 accepts the valid addresses of behaviour.md 5.8 (non-ASCII and curly-quoted local parts)", create_valid_emails),
        s("account/confirmation_key_of_another_account", "confirmEmail refuses one account's key with another account's email; the key still confirms its own", confirmation_key_of_another).needs(&[Need::Confirmation, Need::Mail]),
        s("account/update_and_assistance_flag", "updateCustomerV2 messages; the assistance flag is stored and returned", update),
        s("account/customer_operations_need_a_token", "customer, updateCustomerV2, changeCustomerPassword as a guest", guest),
        s("account/is_email_available", "isEmailAvailable messages; true for any address", is_email_available),
    ]
}

fn create(c: &mut Ctx) -> StepResult<()> {
    let email = c.fresh_email();
    let input =
        json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": super::PASSWORD});
    let r = c.gql("create an account", q::CREATE, json!({"input": input}))?;
    if r.at("/data/createCustomerV2/customer/email").is_some() {
        c.run.created(&email);
    }
    c.check_eq(
        r.at("/data/createCustomerV2/customer/id"),
        Some(&json!(null)),
        "customer id is null",
    )?;
    c.gql("the same email again", q::CREATE, json!({"input": input}))?;
    let mut upper = input.clone();
    let up = email.to_uppercase();
    c.norm.add(up.clone(), "[email-1:upper]");
    upper["email"] = json!(up);
    c.gql("the same email in upper case", q::CREATE, json!({"input": upper}))?;
    let other = c.fresh_email();
    let r = c.gql(
        "an account without a password",
        q::CREATE,
        json!({"input": {"firstname": "Conform", "lastname": "Runner", "email": other}}),
    )?;
    if r.at("/data/createCustomerV2/customer/email").is_some() {
        c.run.created(&other);
    }
    Ok(())
}

fn create_validation(c: &mut Ctx) -> StepResult<()> {
    c.gql(
        "empty input: email is reported first",
        "mutation { createCustomerV2(input: {}) { customer { email } } }",
        json!({}),
    )?;
    c.gql(
        "a variable missing email and firstname: only the first error",
        "mutation($input: CustomerCreateInput!) { createCustomerV2(input: $input) { customer { email } } }",
        json!({"input": {"lastname": "Runner"}}),
    )?;
    for bad in [
        "plainaddress",
        "#@%^%#$@#$@#.com",
        "@example.com",
        "Joe Smith <email@example.com>",
        "email.example.com",
        "email@example@example.com",
        "email@example.com (Joe Smith)",
        "email@example",
    ] {
        let input =
            json!({"firstname": "Conform", "lastname": "Runner", "email": bad, "password": super::PASSWORD});
        c.gql(
            &format!("invalid email {bad}"),
            q::CREATE,
            json!({"input": input}),
        )?;
    }
    let email = c.fresh_email();
    c.gql(
        "empty firstname",
        q::CREATE,
        json!({"input": {"firstname": "", "lastname": "Runner", "email": email, "password": super::PASSWORD}}),
    )?;
    c.gql(
        "empty lastname",
        q::CREATE,
        json!({"input": {"firstname": "Conform", "lastname": "", "email": email, "password": super::PASSWORD}}),
    )?;
    Ok(())
}

/// The valid examples of behaviour.md 5.8 (`jØrgenV2@somedomain.com`, `“emailV2”@example.com`),
/// made into this run's own accounts: the run prefix goes inside the local part and the domain
/// is `--email-domain`, so an existing customer can never be touched and cleanup finds them.
fn create_valid_emails(c: &mut Ctx) -> StepResult<()> {
    if c.run.store.confirmation_required && !c.t.has_mail() {
        return Err(super::Flow::Skip(super::Skip::new(
            super::SkipCause::Mail,
            super::NEEDS_MAILBOX_TO_CONFIRM,
        )));
    }
    let examples = [
        ("jØrgenV2", "non-ASCII local part"),
        ("“emailV2”", "curly-quoted local part"),
    ];
    for (i, (example, what)) in examples.into_iter().enumerate() {
        let plain = c.run.fresh_email();
        let (local, domain) = plain.split_once('@').unwrap_or((plain.as_str(), ""));
        // Keep the quotes around the whole local part, as in the example.
        let (email, shape) = match example.strip_prefix('“') {
            Some(inner) => (
                format!("“{local}-{inner}@{domain}"),
                format!("“<run prefix>-{inner}@<domain>"),
            ),
            None => (
                format!("{local}-{example}@{domain}"),
                format!("<run prefix>-{example}@<domain>"),
            ),
        };
        let label = format!("[email-valid-{} {shape}]", i + 1);
        c.norm.add(email.clone(), label.clone());
        let input = json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": super::PASSWORD});
        let r = c.gql(
            &format!("valid email, {what} ({example})"),
            q::CREATE,
            json!({ "input": input }),
        )?;
        let created = r.str_at("/data/createCustomerV2/customer/email");
        if created.is_some() {
            c.run.created(&email);
        }
        c.check_eq(
            created.as_deref(),
            Some(email.as_str()),
            "the valid address is accepted and echoed",
        )?;
        if c.run.store.confirmation_required {
            c.confirm(&email)?;
        }
        c.sign_in(
            &format!("the account with the {what} signs in"),
            &email,
            super::PASSWORD,
        )?;
        c.gql(
            &format!("isEmailAvailable accepts the {what}"),
            q::IS_EMAIL_AVAILABLE,
            json!({ "email": email }),
        )?;
    }
    Ok(())
}

fn update(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let step = |c: &mut Ctx, title: &str, input: serde_json::Value| {
        c.gql_as(title, &token, q::UPDATE, json!({ "input": input }))
    };
    step(c, "empty input", json!({}))?;
    step(c, "empty firstname", json!({"firstname": ""}))?;
    step(c, "empty lastname", json!({"lastname": ""}))?;
    step(c, "gender 7", json!({"gender": 7}))?;
    // The exact wording of a bad date is not specified: only that it contains "Invalid date".
    let req = c.t.gql_req(
        q::UPDATE,
        Some(json!({"input": {"date_of_birth": "not-a-date"}})),
        Some(&token),
    );
    let r = c.quiet(req)?;
    // `fail` shows the response (its message) as the actual.
    c.check(
        r.message().is_some_and(|m| m.contains("Invalid date")),
        "a bad date_of_birth gives a message containing \"Invalid date\"",
    )?;
    step(
        c,
        "enable remote shopping assistance",
        json!({"allow_remote_shopping_assistance": true}),
    )?;
    c.gql_as("the customer reads the flag back", &token, q::CUSTOMER, json!({}))?;
    step(
        c,
        "names, gender and date of birth",
        json!({"firstname": "Ada", "lastname": "Lovelace", "gender": 2, "date_of_birth": "1990-12-31"}),
    )?;
    step(
        c,
        "disable remote shopping assistance",
        json!({"allow_remote_shopping_assistance": false}),
    )?;
    Ok(())
}

fn guest(c: &mut Ctx) -> StepResult<()> {
    c.gql("customer as a guest", q::CUSTOMER, json!({}))?;
    c.gql(
        "updateCustomerV2 as a guest",
        q::UPDATE,
        json!({"input": {"firstname": "X"}}),
    )?;
    c.gql(
        "changeCustomerPassword as a guest",
        q::CHANGE_PASSWORD,
        json!({"current": "a", "new": "b"}),
    )?;
    Ok(())
}

fn is_email_available(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    c.gql("empty", q::IS_EMAIL_AVAILABLE, json!({"email": ""}))?;
    c.gql("invalid", q::IS_EMAIL_AVAILABLE, json!({"email": "plainaddress"}))?;
    c.gql(
        "an existing account is still reported available",
        q::IS_EMAIL_AVAILABLE,
        json!({"email": a.email}),
    )?;
    Ok(())
}

/// A new account, left unconfirmed, and the confirmation key mailed to it.
fn unconfirmed_account(c: &mut Ctx) -> StepResult<(String, String)> {
    let email = c.fresh_email();
    let input =
        json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": super::PASSWORD});
    let r = c.quiet(c.t.gql_req(q::CREATE, Some(json!({ "input": input })), None))?;
    if r.str_at("/data/createCustomerV2/customer/email").is_none() {
        return Err(c.setup_failed("createCustomerV2", &r));
    }
    c.run.created(&email);
    let key =
        c.t.latest_email(&email, EmailKind::Confirmation)
            .map_err(|e| c.fail(format!("setup: reading the confirmation email: {e}")))?
            .and_then(|m| m.token)
            .ok_or_else(|| c.fail(format!("setup: no confirmation email for {email}")))?;
    Ok((email, key))
}

fn confirmation_key_of_another(c: &mut Ctx) -> StepResult<()> {
    let (a, key) = unconfirmed_account(c)?;
    let (b, _) = unconfirmed_account(c)?;
    c.norm.add(key.clone(), "[confirmation-key-of-A]");
    c.gql(
        "B's email with A's key",
        q::CONFIRM,
        json!({"email": b, "key": key}),
    )?;
    c.gql(
        "A's email with A's key",
        q::CONFIRM,
        json!({"email": a, "key": key}),
    )?;
    let r = c.sign_in("B is still unconfirmed", &b, super::PASSWORD)?;
    c.check(!Ctx::has_token(&r), "B cannot sign in before confirming")?;
    Ok(())
}
