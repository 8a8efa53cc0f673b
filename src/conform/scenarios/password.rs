//! Password reset and policy (behaviour.md 5.4, 5.5, 5.6, 5.7).

use serde_json::json;

use super::{q, Area, Ctx, Need, Run, Scenario, StepResult, NEW_PASSWORD, WRONG_PASSWORD};

pub fn scenarios() -> Vec<Scenario> {
    let s = |name, description, run: Run| Scenario::new(Area::Password, name, description, run);
    vec![
        s(
            "password/request_reset_messages",
            "requestPasswordResetEmail: empty, invalid, unknown, success",
            request_reset,
        ),
        s(
            "password/reset_password_messages",
            "resetPassword checks in order, without a mailbox",
            reset_messages,
        ),
        s(
            "password/reset_password_flow",
            "reset with the mailed token, which is then consumed; a new request replaces the token",
            reset_flow,
        )
        .needs(&[Need::DefaultPasswordPolicy, Need::Mail]),
        s(
            "password/reset_token_of_another_account",
            "resetPassword refuses one account's token with another account's email; the token still resets its own",
            reset_token_of_another,
        )
        .needs(&[Need::Mail]),
        s(
            "password/reset_clears_the_lockout_count",
            "a successful resetPassword clears the account's lockout count",
            reset_clears_lockout_count,
        )
        .needs(&[Need::Mail]),
        s(
            "password/policy_on_create",
            "the password policy, in order, on createCustomerV2",
            policy_create,
        )
        .needs(&[Need::DefaultPasswordPolicy]),
        s(
            "password/change_password_messages",
            "changeCustomerPassword messages and policy",
            change_password,
        )
        .needs(&[Need::DefaultPasswordPolicy]),
    ]
}

fn request_reset(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    c.gql("empty email", q::REQUEST_RESET, json!({"email": ""}))?;
    c.gql(
        "invalid email",
        q::REQUEST_RESET,
        json!({"email": "plainaddress"}),
    )?;
    let unknown = c.fresh_email();
    c.gql("unknown email", q::REQUEST_RESET, json!({"email": unknown}))?;
    c.gql("an account", q::REQUEST_RESET, json!({"email": a.email}))?;
    Ok(())
}

fn reset_messages(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let tok = "abcdefghijklmnopqrstuvwxyz012345";
    let step = |c: &mut Ctx, title: &str, email: &str, token: &str, new: &str| {
        c.gql(
            title,
            q::RESET,
            json!({"email": email, "token": token, "new": new}),
        )
        .map(|_| ())
    };
    step(c, "empty email", "", "", "")?;
    step(c, "invalid email", "plainaddress", "", "")?;
    step(c, "empty token", &a.email, "", "")?;
    step(c, "empty new password", &a.email, tok, "")?;
    let unknown = c.fresh_email();
    step(c, "unknown customer", &unknown, tok, NEW_PASSWORD)?;
    step(
        c,
        "a token that is not the customer's",
        &a.email,
        tok,
        NEW_PASSWORD,
    )?;
    Ok(())
}

fn reset_flow(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let old = c.reset_token(&a.email)?;
    c.norm.add(old.clone(), "[reset-token-1]");
    let new = c.reset_token(&a.email)?;
    c.norm.add(new.clone(), "[reset-token-2]");
    c.check(old != new, "a new request gives a new token")?;
    c.gql(
        "the replaced token is mismatched",
        q::RESET,
        json!({"email": a.email, "token": old, "new": NEW_PASSWORD}),
    )?;
    c.gql(
        "policy failure with the current token",
        q::RESET,
        json!({"email": a.email, "token": new, "new": "short"}),
    )?;
    c.gql(
        "reset with the current token",
        q::RESET,
        json!({"email": a.email, "token": new, "new": NEW_PASSWORD}),
    )?;
    c.gql(
        "the token is consumed",
        q::RESET,
        json!({"email": a.email, "token": new, "new": NEW_PASSWORD}),
    )?;
    let r = c.sign_in("the new password works", &a.email, NEW_PASSWORD)?;
    c.token_of(&r)?;
    Ok(())
}

fn policy_create(c: &mut Ctx) -> StepResult<()> {
    let long = format!("Aa1-{}", "x".repeat(253));
    let email = c.fresh_email();
    let upper = email.to_uppercase();
    c.norm.add(upper.clone(), "[email-1:upper]");
    let cases: Vec<(&str, String)> = vec![
        ("the email, in another case", upper),
        ("257 characters", long),
        ("7 characters", "Aa1-aaa".into()),
        ("leading space", " Conform-Pass-1".into()),
        ("trailing space", "Conform-Pass-1 ".into()),
        ("two character classes", "onlylowercase123".into()),
        ("short beats classes", "abc".into()),
    ];
    for (title, pw) in cases {
        let input = json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": pw});
        let r = c.gql(title, q::CREATE, json!({"input": input}))?;
        if r.at("/data/createCustomerV2/customer")
            .is_some_and(|v| !v.is_null())
        {
            c.run.created(&email);
            return Err(c.fail("an account was created with a password the policy refuses"));
        }
    }
    Ok(())
}

fn change_password(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let token = c.sign_in_quiet(&a.email, &a.password)?;
    let step = |c: &mut Ctx, title: &str, cur: &str, new: &str| {
        c.gql_as(
            title,
            &token,
            q::CHANGE_PASSWORD,
            json!({"current": cur, "new": new}),
        )
        .map(|_| ())
    };
    step(c, "empty current password", "", NEW_PASSWORD)?;
    step(c, "empty new password", &a.password, "")?;
    step(c, "wrong current password", WRONG_PASSWORD, NEW_PASSWORD)?;
    step(c, "new password fails the policy", &a.password, "short")?;
    step(
        c,
        "new password equal to the email",
        &a.password,
        &a.email.clone(),
    )?;
    step(c, "success", &a.password, NEW_PASSWORD)?;
    c.gql(
        "as a guest",
        q::CHANGE_PASSWORD,
        json!({"current": NEW_PASSWORD, "new": a.password}),
    )?;
    Ok(())
}

fn reset_token_of_another(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let b = c.account()?;
    let rt = c.reset_token(&a.email)?;
    c.norm.add(rt.clone(), "[reset-token-of-A]");
    c.gql(
        "B's email with A's reset token",
        q::RESET,
        json!({"email": b.email, "token": rt, "new": NEW_PASSWORD}),
    )?;
    let r = c.gql(
        "A's email with A's reset token",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": NEW_PASSWORD}),
    )?;
    c.check_eq(
        r.at("/data/resetPassword"),
        Some(&json!(true)),
        "A's token resets A's password",
    )?;
    let r = c.sign_in("B's password is unchanged", &b.email, &b.password)?;
    c.token_of(&r)?;
    Ok(())
}

fn reset_clears_lockout_count(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let strings: Vec<String> = (1..=5).map(|i| c.variant(&a, i)).collect();
    // 9 failures over two strings (5 and 4: the throttle never triggers).
    for i in 1..=9 {
        let s = &strings[if i <= 5 { 0 } else { 1 }];
        c.sign_in(&format!("failure {i} of the account"), s, WRONG_PASSWORD)?;
    }
    let rt = c.reset_token(&a.email)?;
    let r = c.gql(
        "reset the password",
        q::RESET,
        json!({"email": a.email, "token": rt, "new": NEW_PASSWORD}),
    )?;
    c.check_eq(r.at("/data/resetPassword"), Some(&json!(true)), "reset succeeded")?;
    for i in 1..=9 {
        let s = &strings[if i <= 5 { 2 } else { 3 }];
        c.sign_in(&format!("again failure {i} of the account"), s, WRONG_PASSWORD)?;
    }
    let r = c.sign_in("the account is not locked", &strings[4], NEW_PASSWORD)?;
    c.token_of(&r)?;
    Ok(())
}
