//! Expiry (behaviour.md 4.3, 4.4, 5.5, 6): OTC lifetime, reset tokens after 2 h, customer tokens
//! after their lifetime, lockout end, throttle window. Time is moved on the mock, waited for
//! (with `--slow`) or the scenario is skipped.

use serde_json::json;

use super::{
    q, Area, Ctx, Flow, Need, Run, Scenario, Skip, SkipCause, StepResult, NEW_PASSWORD, SAAS, WRONG_PASSWORD,
};

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::Expiry, name, description, run);
    vec![
        s(
            "expiry/otc_lifetime",
            "an OTC works 29 s after issue and is refused 31 s after",
            otc_lifetime,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin, Need::Wait(31)]),
        s(
            "expiry/reset_token_after_2h",
            "a reset token works just before 2 h and is expired after",
            reset_token_expiry,
        )
        .needs(&[Need::Mail, Need::Wait(7201)]),
        s(
            "expiry/customer_token_lifetime",
            "a customer token expires after its lifetime: Consumer key has expired",
            customer_token_expiry,
        )
        .needs(&[Need::Wait(3601)]),
        s(
            "expiry/lockout_ends_after_10_minutes",
            "a lock ends after 10 minutes; the count restarts",
            lockout_ends,
        )
        .needs(&[Need::Wait(601)]),
        s(
            "expiry/throttle_window",
            "the throttle window slides 1800 s from the last failure",
            throttle_window,
        )
        .needs(&[Need::Wait(1801)]),
        s(
            "expiry/lockout_count_restarts_after_the_lock",
            "after a lock ends, a failure counts as the first again",
            lockout_count_restarts,
        )
        .needs(&[Need::Wait(601)]),
        s(
            "expiry/otc_boundary",
            "an OTC is refused exactly 30 s after issue (expired when expires_at <= now)",
            otc_boundary,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin, Need::Clock]),
        s(
            "expiry/reset_token_boundary",
            "a reset token is expired exactly 2 h after issue",
            reset_token_boundary,
        )
        .needs(&[Need::Mail, Need::Clock]),
        s(
            "expiry/customer_token_boundary",
            "a customer token is expired exactly at exp (exp <= now)",
            customer_token_boundary,
        )
        .needs(&[Need::Clock]),
        s(
            "expiry/lockout_boundary",
            "a lock ends exactly 10 minutes after the 10th failure",
            lockout_boundary,
        )
        .needs(&[Need::Clock]),
        s(
            "expiry/throttle_boundary",
            "a throttle window ends exactly 1800 s after the last failure",
            throttle_boundary,
        )
        .needs(&[Need::Clock]),
    ]
}

fn otc_lifetime(c: &mut Ctx) -> StepResult<()> {
    let a = c.account_with(json!({"allow_remote_shopping_assistance": true}))?;
    let id = c.customer_id(&a.email)?;
    c.norm.add_id(id, "[id]");
    let otc = c.issue_otc("issue an OTC", id)?;
    c.norm.add(otc.clone(), "[otc-1]");
    c.advance(29)?;
    let r = c.sign_in("the OTC 29 s after issue", &a.email, &otc)?;
    c.token_of(&r)?;
    let otc2 = c.issue_otc("issue another OTC", id)?;
    c.norm.add(otc2.clone(), "[otc-2]");
    c.advance(31)?;
    let r = c.sign_in("the OTC 31 s after issue", &a.email, &otc2)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn reset_token_expiry(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let rt = c.reset_token(&a.email)?;
    c.advance(7190)?;
    let r = c.gql(
        "resetPassword just before 2 h",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": NEW_PASSWORD}),
    )?;
    c.check_eq(
        r.at("/data/resetPassword"),
        Some(&json!(true)),
        "reset works before 2 h",
    )?;
    let rt2 = c.reset_token(&a.email)?;
    c.norm.add(rt2.clone(), "[reset-token-2]");
    c.advance(7201)?;
    c.gql(
        "resetPassword after 2 h",
        q::RESET,
        json!({"email": a.email, "token": rt2, "new": super::PASSWORD}),
    )?;
    let r = c.sign_in("the expired reset token as password", &a.email, &rt2)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn customer_token_expiry(c: &mut Ctx) -> StepResult<()> {
    let lifetime = c.run.store.token_lifetime_secs as u64;
    if let Err(e) = c.t.can_advance(lifetime + 1) {
        return Err(Flow::Skip(Skip::new(
            SkipCause::Time,
            format!("the token lifetime ({lifetime} s) must pass: {e}"),
        )));
    }
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    // The lifetime is the store's (storeConfig); the transcript names it rather than its value.
    c.advance_noting(lifetime - 1, "the token lifetime less 1 s passes")?;
    c.gql_as(
        "customer 1 s before the token expires",
        &token,
        q::CUSTOMER,
        json!({}),
    )?;
    c.advance(2)?;
    c.gql_as("customer after the token expired", &token, q::CUSTOMER, json!({}))?;
    c.gql_as(
        "a public operation with the expired token",
        &token,
        q::IS_EMAIL_AVAILABLE,
        json!({"email": "someone@example.com"}),
    )?;
    Ok(())
}

fn lockout_ends(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let v1 = c.variant(&a, 1);
    let v2 = c.variant(&a, 2);
    for i in 1..=5 {
        c.sign_in(&format!("failure {i}"), &v1, WRONG_PASSWORD)?;
    }
    for i in 6..=9 {
        c.sign_in(&format!("failure {i}"), &v2, WRONG_PASSWORD)?;
    }
    c.gql_as(
        "a wrong currentPassword is the 10th failure",
        &token,
        q::CHANGE_PASSWORD,
        json!({"current": WRONG_PASSWORD, "new": NEW_PASSWORD}),
    )?;
    let v3 = c.variant(&a, 3);
    let r = c.sign_in("locked", &v3, &a.password)?;
    c.expect_generic(&r)?;
    c.advance(599)?;
    let v4 = c.variant(&a, 4);
    let r = c.sign_in("still locked after 599 s", &v4, &a.password)?;
    c.expect_generic(&r)?;
    c.advance(2)?;
    let v5 = c.variant(&a, 5);
    let r = c.sign_in("unlocked after 10 minutes", &v5, &a.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn throttle_window(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    for i in 1..=5 {
        c.sign_in(&format!("failure {i}"), &a.email, WRONG_PASSWORD)?;
    }
    c.advance(1000)?;
    c.sign_in(
        "failure 6, 1000 s later (the window slides)",
        &a.email,
        WRONG_PASSWORD,
    )?;
    c.advance(1000)?;
    let r = c.sign_in(
        "still throttled 1000 s after the last failure",
        &a.email,
        &a.password,
    )?;
    c.expect_generic(&r)?;
    c.advance(801)?;
    let r = c.sign_in(
        "1801 s after the last failure the right password works",
        &a.email,
        &a.password,
    )?;
    c.token_of(&r)?;
    Ok(())
}

/// Lock `a`'s account with 10 failures over two case variants (5 each: the throttle never
/// triggers), returning the next unused variant index.
fn lock(c: &mut Ctx, a: &super::Account) -> StepResult<usize> {
    let v1 = c.variant(a, 1);
    let v2 = c.variant(a, 2);
    for i in 1..=10 {
        let s = if i <= 5 { &v1 } else { &v2 };
        c.sign_in(&format!("failure {i} of 10"), s, WRONG_PASSWORD)?;
    }
    Ok(3)
}

fn lockout_count_restarts(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let next = lock(c, &a)?;
    let v = c.variant(&a, next);
    let r = c.sign_in("locked", &v, &a.password)?;
    c.expect_generic(&r)?;
    c.advance(601)?;
    let v = c.variant(&a, next + 1);
    let r = c.sign_in("a failure after the lock ended", &v, WRONG_PASSWORD)?;
    c.expect_generic(&r)?;
    let v = c.variant(&a, next + 2);
    let r = c.sign_in(
        "the right password: one failure does not lock again",
        &v,
        &a.password,
    )?;
    c.token_of(&r)?;
    Ok(())
}

fn otc_boundary(c: &mut Ctx) -> StepResult<()> {
    let a = c.account_with(json!({"allow_remote_shopping_assistance": true}))?;
    let id = c.customer_id(&a.email)?;
    c.norm.add_id(id, "[id]");
    let otc = c.issue_otc("issue an OTC", id)?;
    c.norm.add(otc.clone(), "[otc]");
    c.advance(30)?;
    let r = c.sign_in("the OTC exactly 30 s after issue", &a.email, &otc)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn reset_token_boundary(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let rt = c.reset_token(&a.email)?;
    c.advance(7200)?;
    c.gql(
        "resetPassword exactly 2 h after the request",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": NEW_PASSWORD}),
    )?;
    Ok(())
}

fn customer_token_boundary(c: &mut Ctx) -> StepResult<()> {
    let lifetime = c.run.store.token_lifetime_secs as u64;
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    c.advance_noting(lifetime, "exactly the token lifetime passes")?;
    c.gql_as("customer at exp", &token, q::CUSTOMER, json!({}))?;
    Ok(())
}

fn lockout_boundary(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let next = lock(c, &a)?;
    c.advance(599)?;
    let v = c.variant(&a, next);
    let r = c.sign_in("599 s after the 10th failure: still locked", &v, &a.password)?;
    c.expect_generic(&r)?;
    c.advance(1)?;
    let v = c.variant(&a, next + 1);
    let r = c.sign_in("exactly 600 s after the 10th failure: unlocked", &v, &a.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn throttle_boundary(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    for i in 1..=6 {
        c.sign_in(&format!("failure {i} of 6"), &a.email, WRONG_PASSWORD)?;
    }
    c.advance(1799)?;
    let r = c.sign_in("1799 s after the last failure: throttled", &a.email, &a.password)?;
    c.expect_generic(&r)?;
    c.advance(1)?;
    let r = c.sign_in(
        "exactly 1800 s after the last failure: not throttled",
        &a.email,
        &a.password,
    )?;
    c.token_of(&r)?;
    Ok(())
}
