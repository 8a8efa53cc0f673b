//! Revocation (behaviour.md 4.3, 5.3): every token issued up to the revoking second dies;
//! password change and reset keep tokens alive.

use serde_json::json;

use super::{q, Area, Ctx, Need, Run, Scenario, StepResult, NEW_PASSWORD};

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::Revocation, name, description, run);
    vec![
        s(
            "revocation/revoke_kills_every_earlier_token",
            "revoking kills every token of the customer issued up to that second",
            revoke_all,
        ),
        s(
            "revocation/same_second",
            "a token issued later in the revoking second is revoked too; the next second works",
            same_second,
        )
        .needs(&[Need::Clock]),
        s(
            "revocation/requires_customer_token",
            "revokeCustomerToken as a guest",
            requires_customer,
        ),
        s(
            "revocation/password_change_keeps_tokens",
            "changeCustomerPassword does not revoke tokens",
            password_change_keeps,
        ),
        s(
            "revocation/password_reset_keeps_tokens",
            "resetPassword does not revoke tokens",
            password_reset_keeps,
        )
        .needs(&[Need::Mail]),
    ]
}

fn revoke_all(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let t1 = c.sign_in_quiet(&a.email, &a.password)?;
    c.advance(1)?;
    let t2 = c.sign_in_quiet(&a.email, &a.password)?;
    c.check(t1 != t2, "tokens from different seconds differ")?;
    c.advance(1)?;
    let r = c.gql_as("revoke with the second token", &t2, q::REVOKE, json!({}))?;
    c.check_eq(
        r.at("/data/revokeCustomerToken/result"),
        Some(&json!(true)),
        "revoke result",
    )?;
    c.gql_as("the revoking token is dead", &t2, q::CUSTOMER, json!({}))?;
    c.gql_as("the earlier token is dead", &t1, q::CUSTOMER, json!({}))?;
    c.gql_as(
        "a revoked token on a public operation",
        &t1,
        q::IS_EMAIL_AVAILABLE,
        json!({"email": "someone@example.com"}),
    )?;
    c.gql_as("revoke again with a revoked token", &t1, q::REVOKE, json!({}))?;
    Ok(())
}

fn same_second(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let t1 = c.sign_in_quiet(&a.email, &a.password)?;
    c.gql_as("revoke", &t1, q::REVOKE, json!({}))?;
    let r = c.sign_in("sign in again in the same second", &a.email, &a.password)?;
    let t2 = c.token_of(&r)?;
    c.gql_as("the new token is revoked too", &t2, q::CUSTOMER, json!({}))?;
    c.advance(1)?;
    let r = c.sign_in("sign in one second later", &a.email, &a.password)?;
    let t3 = c.token_of(&r)?;
    c.gql_as("the later token works", &t3, q::CUSTOMER, json!({}))?;
    Ok(())
}

fn requires_customer(c: &mut Ctx) -> StepResult<()> {
    c.gql("revokeCustomerToken as a guest", q::REVOKE, json!({}))?;
    Ok(())
}

fn password_change_keeps(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let r = c.gql_as(
        "change the password",
        &token,
        q::CHANGE_PASSWORD,
        json!({"current": a.password, "new": NEW_PASSWORD}),
    )?;
    c.check(
        r.at("/data/changeCustomerPassword/email").is_some(),
        "password changed",
    )?;
    c.gql_as("the token still works", &token, q::CUSTOMER, json!({}))?;
    let r = c.sign_in("the old password is refused", &a.email, &a.password)?;
    c.expect_generic(&r)?;
    let r = c.sign_in("the new password works", &a.email, NEW_PASSWORD)?;
    c.token_of(&r)?;
    Ok(())
}

fn password_reset_keeps(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let rt = c.reset_token(&a.email)?;
    let r = c.gql(
        "reset the password",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": NEW_PASSWORD}),
    )?;
    c.check_eq(r.at("/data/resetPassword"), Some(&json!(true)), "reset succeeded")?;
    c.gql_as("the token still works", &token, q::CUSTOMER, json!({}))?;
    Ok(())
}
