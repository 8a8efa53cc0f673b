//! `generateCustomerToken` (behaviour.md 4.4, 5.1): messages, empty values, throttle, lockout.

use serde_json::json;

use super::{q, Area, Ctx, Need, Run, Scenario, StepResult, PAAS, WRONG_PASSWORD};

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::SignIn, name, description, run);
    vec![
        s("signin/success", "a new account signs in; the token reads the customer", success),
        s("signin/empty_values", "empty email and password in PHP's sense (\"\" and \"0\"), whitespace is not empty", empty_values),
        s("signin/wrong_password", "a wrong password gives the generic message", wrong_password),
        s("signin/unknown_email_same_body", "an unknown address gives a body identical to a wrong password", unknown_email),
        s("signin/email_case_insensitive", "accounts are found ignoring ASCII case", case_insensitive),
        s("signin/unconfirmed_account", "an unconfirmed account cannot sign in (when confirmation is required)", unconfirmed).needs(&[Need::Confirmation, Need::Mail]),
        s("signin/throttle", "6 failures for one email string throttle it, even with the right password; other case variants are separate", throttle),
        s("signin/lockout", "the 10th failure locks the account for every string; locked-account messages", lockout),
        s("signin/password_of_another_account", "one account's password with another account's email is refused", password_of_another),
        s("signin/success_clears_counters", "a successful sign-in clears the throttle count of its string and the account's lockout count", success_clears_counters),
        s("signin/token_claims", "a customer token's claims: uid is the customer's id, iat the target's now, exp iat plus the lifetime", token_claims).needs(&[Need::Admin]),
        s("signin/integration_customer_token", "POST /V1/integration/customer/token follows the sign-in rules", integration_token).profiles(PAAS),
        s("signin/integration_customer_token_absent", "POST /V1/integration/customer/token does not exist on saas", integration_absent).profiles(super::SAAS),
    ]
}

fn success(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let r = c.sign_in("sign in with the password", &a.email, &a.password)?;
    let token = c.token_of(&r)?;
    c.gql_as("read the customer with the token", &token, q::CUSTOMER, json!({}))?;
    let r2 = c.sign_in("sign in again in the same second", &a.email, &a.password)?;
    if c.t.has_clock() {
        c.check_eq(
            c.token_of(&r2)?,
            token,
            "two sign-ins in the same second give identical tokens",
        )?;
    }
    Ok(())
}

fn empty_values(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    c.sign_in("empty email", "", &a.password)?;
    c.sign_in("email \"0\"", "0", &a.password)?;
    c.sign_in("empty email and empty password: email first", "", "")?;
    c.sign_in("empty password", &a.email, "")?;
    c.sign_in("password \"0\"", &a.email, "0")?;
    let r = c.sign_in(
        "whitespace email is not empty (unknown account)",
        " ",
        &a.password,
    )?;
    c.expect_generic(&r)?;
    let r = c.sign_in(
        "whitespace password is not empty (wrong password)",
        &a.email,
        "   ",
    )?;
    c.expect_generic(&r)?;
    Ok(())
}

fn wrong_password(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let r = c.sign_in("sign in with a wrong password", &a.email, WRONG_PASSWORD)?;
    c.expect_generic(&r)?;
    let r = c.sign_in("the right password still works", &a.email, &a.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn unknown_email(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let wrong = c.sign_in("a wrong password", &a.email, WRONG_PASSWORD)?;
    let unknown_addr = c.fresh_email();
    let unknown = c.sign_in("an address that is no account", &unknown_addr, &a.password)?;
    c.check_eq(
        &unknown.status,
        &wrong.status,
        "same status for unknown address and wrong password",
    )?;
    c.check_eq(
        &unknown.text,
        &wrong.text,
        "same body for unknown address and wrong password",
    )?;
    Ok(())
}

fn case_insensitive(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let v = c.variant(&a, 1);
    let r = c.sign_in("sign in with a case variant of the email", &v, &a.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn unconfirmed(c: &mut Ctx) -> StepResult<()> {
    let email = c.fresh_email();
    let input =
        json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": super::PASSWORD});
    c.gql(
        "create an account that needs confirmation",
        q::CREATE,
        json!({"input": input}),
    )?;
    c.run.created(&email);
    c.sign_in("sign in before confirming", &email, super::PASSWORD)?;
    c.confirm(&email)?;
    let r = c.sign_in("sign in after confirming", &email, super::PASSWORD)?;
    c.token_of(&r)?;
    Ok(())
}

fn throttle(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    for i in 1..=6 {
        c.sign_in(
            &format!("failure {i} of 6 for the exact string"),
            &a.email,
            WRONG_PASSWORD,
        )?;
    }
    let r = c.sign_in("the right password is throttled", &a.email, &a.password)?;
    c.expect_generic(&r)?;
    let v = c.variant(&a, 1);
    let r = c.sign_in(
        "a case variant is another throttle key and signs in",
        &v,
        &a.password,
    )?;
    c.token_of(&r)?;
    let r = c.sign_in("the original string is still throttled", &a.email, &a.password)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn lockout(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    // 10 failures spread over two strings (5 each) so the throttle (6) never triggers.
    let v1 = c.variant(&a, 1);
    let v2 = c.variant(&a, 2);
    for i in 1..=5 {
        c.sign_in(&format!("failure {i} of 10"), &v1, WRONG_PASSWORD)?;
    }
    for i in 6..=9 {
        c.sign_in(&format!("failure {i} of 10"), &v2, WRONG_PASSWORD)?;
    }
    let v3 = c.variant(&a, 3);
    let r = c.sign_in(
        "the right password before the 10th failure still works",
        &v3,
        &a.password,
    )?;
    c.token_of(&r)?;
    // Success reset the lockout count: 10 more failures are needed.
    let v4 = c.variant(&a, 4);
    for i in 1..=5 {
        c.sign_in(&format!("again failure {i} of 10"), &v4, WRONG_PASSWORD)?;
    }
    let v5 = c.variant(&a, 5);
    for i in 6..=10 {
        c.sign_in(&format!("again failure {i} of 10"), &v5, WRONG_PASSWORD)?;
    }
    let v6 = c.variant(&a, 6);
    let r = c.sign_in(
        "locked: the right password with a fresh string is refused",
        &v6,
        &a.password,
    )?;
    c.expect_generic(&r)?;
    c.gql_as("customer on a locked account", &token, q::CUSTOMER, json!({}))?;
    c.gql(
        "requestPasswordResetEmail on a locked account",
        q::REQUEST_RESET,
        json!({"email": a.email}),
    )?;
    c.gql(
        "resetPassword on a locked account",
        q::RESET,
        json!({"email": a.email, "token": "abcdefghijklmnopqrstuvwxyz012345", "new": super::NEW_PASSWORD}),
    )?;
    c.gql_as(
        "changeCustomerPassword on a locked account",
        &token,
        q::CHANGE_PASSWORD,
        json!({"current": a.password, "new": super::NEW_PASSWORD}),
    )?;
    Ok(())
}

fn integration_token(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let r = c.rest(
        "REST customer token with the password",
        "POST",
        "/V1/integration/customer/token",
        Some(json!({"username": a.email, "password": a.password})),
        None,
    )?;
    let tok = r
        .json_string()
        .ok_or_else(|| c.fail("expected a JSON string token"))?;
    crate::conform::normalize::check_customer_token(&tok, c.run.store.token_lifetime_secs)
        .map_err(|e| c.fail(e))?;
    c.rest(
        "REST customer token with a wrong password",
        "POST",
        "/V1/integration/customer/token",
        Some(json!({"username": a.email, "password": WRONG_PASSWORD})),
        None,
    )?;
    c.gql_as("the REST token reads the customer", &tok, q::CUSTOMER, json!({}))?;
    Ok(())
}

fn integration_absent(c: &mut Ctx) -> StepResult<()> {
    let body = json!({"username": "someone@example.com", "password": WRONG_PASSWORD});
    let req =
        c.t.rest_req("POST", "/V1/integration/customer/token", Some(&body), None);
    // Only the status is the contract here; a real server's 404 body is its router's.
    let r = c.send_status_only("REST customer token endpoint", req)?;
    c.check_eq(r.status, 404, "the endpoint does not exist on saas")?;
    Ok(())
}

fn password_of_another(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let b = c.account_with(json!({"password": super::NEW_PASSWORD}))?;
    let r = c.sign_in("B's email with A's password", &b.email, &a.password)?;
    c.expect_generic(&r)?;
    let r = c.sign_in("A's email with B's password", &a.email, &b.password)?;
    c.expect_generic(&r)?;
    let r = c.sign_in("B's email with B's password", &b.email, &b.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn success_clears_counters(c: &mut Ctx) -> StepResult<()> {
    // Throttle (one string): 5 failures, a success, 5 more; a sixth failure without the success
    // in between would have throttled the string.
    let a = c.account()?;
    for i in 1..=5 {
        c.sign_in(
            &format!("failure {i} for the exact string"),
            &a.email,
            WRONG_PASSWORD,
        )?;
    }
    let r = c.sign_in(
        "the right password clears the string's count",
        &a.email,
        &a.password,
    )?;
    c.token_of(&r)?;
    for i in 1..=5 {
        c.sign_in(
            &format!("again failure {i} for the exact string"),
            &a.email,
            WRONG_PASSWORD,
        )?;
    }
    let r = c.sign_in("the string is not throttled", &a.email, &a.password)?;
    c.token_of(&r)?;
    // Lockout (the account): 9 failures over two strings, a success, 9 more over two others.
    let b = c.account()?;
    let strings: Vec<String> = (1..=6).map(|i| c.variant(&b, i)).collect();
    for i in 1..=9 {
        let s = &strings[if i <= 5 { 0 } else { 1 }];
        c.sign_in(&format!("failure {i} of the account"), s, WRONG_PASSWORD)?;
    }
    let r = c.sign_in(
        "the right password clears the account's count",
        &strings[2],
        &b.password,
    )?;
    c.token_of(&r)?;
    for i in 1..=9 {
        let s = &strings[if i <= 5 { 3 } else { 4 }];
        c.sign_in(&format!("again failure {i} of the account"), s, WRONG_PASSWORD)?;
    }
    let r = c.sign_in("the account is not locked", &strings[5], &b.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn token_claims(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let id = c.customer_id(&a.email)?;
    let r = c.sign_in("sign in", &a.email, &a.password)?;
    let token = c.token_of(&r)?;
    let claims = crate::conform::normalize::check_customer_token(&token, c.run.store.token_lifetime_secs)
        .map_err(|e| c.fail(e))?;
    c.check_eq(
        claims.uid,
        id as i64,
        "uid is the customer's id (as admin REST gives it)",
    )?;
    c.check_eq(
        claims.admin_id,
        None,
        "a sign-in with the password is not admin-assisted",
    )?;
    if let Some(now) = c.mock_now()? {
        c.check_eq(claims.iat, now, "iat is the target's clock at issue")?;
    }
    Ok(())
}
