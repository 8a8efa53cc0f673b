//! The evaluation order of the `password` argument (behaviour.md 5.1 step 7, 5.2, 6): password,
//! then reset token, then OTC; one-time use; OTCs bound to their customer and to the assistance flag.

use serde_json::json;

use super::{q, Area, Ctx, Need, Run, Scenario, StepResult, PAAS, SAAS};

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::Order, name, description, run);
    vec![
        s(
            "order/password_leaves_reset_token_usable",
            "a correct password leaves the reset token usable; the reset token is consumed on first use",
            password_then_reset_token,
        )
        .profiles(SAAS)
        .needs(&[Need::Mail]),
        s(
            "order/password_leaves_otc_usable",
            "a correct password leaves the OTC usable; the OTC is consumed on first use",
            password_then_otc,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin]),
        s(
            "order/reset_token_before_otc",
            "a reset token is tried before the OTC and leaves it usable",
            reset_token_then_otc,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin, Need::Mail]),
        s(
            "order/otc_of_other_customer",
            "an OTC for customer A is refused for customer B and stays usable for A",
            otc_other_customer,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin]),
        s(
            "order/assistance_flag_required",
            "the OTC endpoint requires remote shopping assistance, also at exchange time",
            assistance_required,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin]),
        s(
            "order/exchange_otp",
            "exchangeOtpForCustomerToken takes OTCs, not passwords",
            exchange_otp,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin]),
        s(
            "order/secrets_of_another_account",
            "one account's reset token and OTC are refused with another account's email, by both sign-in mutations, and stay usable for their own",
            secrets_of_another_account,
        )
        .profiles(SAAS)
        .needs(&[Need::Admin, Need::Mail]),
        s(
            "order/exchange_otp_absent",
            "exchangeOtpForCustomerToken does not exist on paas",
            exchange_absent,
        )
        .profiles(PAAS),
        s(
            "order/reset_token_not_a_password",
            "paas does not accept a reset token as password",
            paas_reset_token,
        )
        .profiles(PAAS)
        .needs(&[Need::Mail]),
    ]
}

fn password_then_reset_token(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let rt = c.reset_token(&a.email)?;
    let r = c.sign_in(
        "sign in with the password while a reset token is outstanding",
        &a.email,
        &a.password,
    )?;
    c.token_of(&r)?;
    let r = c.sign_in("sign in with the reset token", &a.email, &rt)?;
    c.token_of(&r)?;
    let r = c.sign_in("the reset token again: consumed", &a.email, &rt)?;
    c.expect_generic(&r)?;
    c.gql(
        "resetPassword with the consumed token",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": super::NEW_PASSWORD}),
    )?;
    Ok(())
}

/// A confirmed account with remote shopping assistance enabled, its token and REST id.
fn assisted(c: &mut Ctx) -> StepResult<(super::Account, String, u64)> {
    let a = c.account_with(json!({"allow_remote_shopping_assistance": true}))?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let id = c.customer_id(&a.email)?;
    c.norm
        .add_id(id, format!("[id-of-{}", a.label.trim_start_matches('[')));
    Ok((a, token, id))
}

fn password_then_otc(c: &mut Ctx) -> StepResult<()> {
    let (a, _, id) = assisted(c)?;
    let otc = c.issue_otc("issue an OTC", id)?;
    c.norm.add(otc.clone(), "[otc]");
    let r = c.sign_in(
        "sign in with the password while an OTC is outstanding",
        &a.email,
        &a.password,
    )?;
    c.token_of(&r)?;
    let r = c.sign_in("sign in with the OTC", &a.email, &otc)?;
    c.token_of(&r)?;
    let r = c.sign_in("the OTC again: consumed", &a.email, &otc)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn reset_token_then_otc(c: &mut Ctx) -> StepResult<()> {
    let (a, _, id) = assisted(c)?;
    let otc = c.issue_otc("issue an OTC", id)?;
    c.norm.add(otc.clone(), "[otc]");
    let rt = c.reset_token(&a.email)?;
    let r = c.sign_in("sign in with the reset token", &a.email, &rt)?;
    c.token_of(&r)?;
    let r = c.sign_in("the OTC is still usable", &a.email, &otc)?;
    c.token_of(&r)?;
    let r = c.sign_in("the reset token is consumed", &a.email, &rt)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn otc_other_customer(c: &mut Ctx) -> StepResult<()> {
    let (a, _, id) = assisted(c)?;
    let (b, _, _) = assisted(c)?;
    let otc = c.issue_otc("issue an OTC for A", id)?;
    c.norm.add(otc.clone(), "[otc-of-A]");
    let r = c.sign_in("B signs in with A's OTC", &b.email, &otc)?;
    c.expect_generic(&r)?;
    let r = c.sign_in("A signs in with A's OTC", &a.email, &otc)?;
    c.token_of(&r)?;
    Ok(())
}

fn assistance_required(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let id = c.customer_id(&a.email)?;
    c.norm.add_id(id, "[id]");
    c.gql_as("a new account has assistance off", &token, q::CUSTOMER, json!({}))?;
    let admin = c.admin_token()?;
    c.rest(
        "issue an OTC with assistance off",
        "POST",
        &format!("/V1/customer/{id}/otp"),
        Some(json!({})),
        Some(&admin),
    )?;
    c.gql_as(
        "enable assistance with updateCustomerV2",
        &token,
        q::UPDATE,
        json!({"input": {"allow_remote_shopping_assistance": true}}),
    )?;
    c.gql_as("the flag reads back", &token, q::CUSTOMER, json!({}))?;
    let otc = c.issue_otc("issue an OTC with assistance on", id)?;
    c.norm.add(otc.clone(), "[otc]");
    c.gql_as(
        "disable assistance again",
        &token,
        q::UPDATE,
        json!({"input": {"allow_remote_shopping_assistance": false}}),
    )?;
    let r = c.sign_in("the OTC is refused at exchange time", &a.email, &otc)?;
    c.expect_generic(&r)?;
    Ok(())
}

fn exchange_otp(c: &mut Ctx) -> StepResult<()> {
    let (a, _, id) = assisted(c)?;
    c.gql("empty otp", q::EXCHANGE, json!({"email": a.email, "otp": ""}))?;
    c.gql("empty email", q::EXCHANGE, json!({"email": "", "otp": "abc"}))?;
    let r = c.gql(
        "the password is not accepted",
        q::EXCHANGE,
        json!({"email": a.email, "otp": a.password}),
    )?;
    c.expect_generic(&r)?;
    let otc = c.issue_otc("issue an OTC", id)?;
    c.norm.add(otc.clone(), "[otc]");
    let r = c.gql(
        "exchange the OTC",
        q::EXCHANGE,
        json!({"email": a.email, "otp": otc}),
    )?;
    let tok = c.token_of(&r)?;
    let admin = c.admin_token()?;
    c.check_admin_assisted(&tok, &admin)?;
    let r = c.gql(
        "exchange it again: consumed",
        q::EXCHANGE,
        json!({"email": a.email, "otp": otc}),
    )?;
    c.expect_generic(&r)?;
    Ok(())
}

fn exchange_absent(c: &mut Ctx) -> StepResult<()> {
    c.gql(
        "exchangeOtpForCustomerToken",
        q::EXCHANGE,
        json!({"email": "someone@example.com", "otp": "x"}),
    )?;
    Ok(())
}

fn paas_reset_token(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let rt = c.reset_token(&a.email)?;
    let r = c.sign_in("sign in with the reset token as password", &a.email, &rt)?;
    c.expect_generic(&r)?;
    let r = c.gql(
        "the reset token still resets the password",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": super::NEW_PASSWORD}),
    )?;
    c.check_eq(
        r.at("/data/resetPassword"),
        Some(&json!(true)),
        "resetPassword succeeded",
    )?;
    Ok(())
}

fn secrets_of_another_account(c: &mut Ctx) -> StepResult<()> {
    let (a, _, id) = assisted(c)?;
    let (b, _, _) = assisted(c)?;
    let otc = c.issue_otc("issue an OTC for A", id)?;
    c.norm.add(otc.clone(), "[otc-of-A]");
    let rt = c.reset_token(&a.email)?;
    c.norm.add(rt.clone(), "[reset-token-of-A]");
    let r = c.sign_in("B's email with A's reset token", &b.email, &rt)?;
    c.expect_generic(&r)?;
    let r = c.gql(
        "exchangeOtpForCustomerToken: B's email with A's OTC",
        q::EXCHANGE,
        json!({"email": b.email, "otp": otc}),
    )?;
    c.expect_generic(&r)?;
    let r = c.gql(
        "exchangeOtpForCustomerToken: B's email with A's reset token",
        q::EXCHANGE,
        json!({"email": b.email, "otp": rt}),
    )?;
    c.expect_generic(&r)?;
    let r = c.gql(
        "exchangeOtpForCustomerToken: A's OTC for A",
        q::EXCHANGE,
        json!({"email": a.email, "otp": otc}),
    )?;
    c.token_of(&r)?;
    let r = c.sign_in("A's reset token for A", &a.email, &rt)?;
    c.token_of(&r)?;
    Ok(())
}
