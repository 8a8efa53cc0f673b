//! Admin endpoints (behaviour.md 5.9, 6): admin token, OTC issue, generateCustomerTokenAsAdmin,
//! admin tokens on customer operations.

use serde_json::json;

use super::{q, Area, Ctx, Need, Scenario, StepResult, ALL, SAAS};

fn s(
    name: &'static str,
    profiles: &'static [crate::profile::Profile],
    needs: &'static [Need],
    description: &'static str,
    run: fn(&mut Ctx) -> StepResult<()>,
) -> Scenario {
    Scenario {
        name,
        area: Area::Admin,
        description,
        profiles,
        needs,
        source: file!(),
        run,
    }
}

pub fn scenarios() -> Vec<Scenario> {
    vec![
        s(
            "admin/admin_token",
            ALL,
            &[Need::AdminCredentials],
            "POST /V1/integration/admin/token: empty fields, wrong and right credentials",
            admin_token,
        ),
        s(
            "admin/otc_issue",
            SAAS,
            &[Need::Admin],
            "POST /V1/customer/{id}/otp: success, unknown customer, no or bad admin token",
            otc_issue,
        ),
        s(
            "admin/otc_no_permission",
            SAAS,
            &[Need::LimitedAdmin],
            "an admin token without Magento_LoginAsCustomer::login is refused",
            otc_no_permission,
        ),
        s(
            "admin/as_admin_without_assistance_permission",
            ALL,
            &[Need::AdminWithoutAssistance],
            "generateCustomerTokenAsAdmin with an admin lacking the shopping-assistance permission",
            as_admin_no_permission,
        ),
        s(
            "admin/unconfirmed_customer_operations",
            ALL,
            &[Need::AdminCredentials, Need::Mail],
            "an unconfirmed account reached with an admin-issued token",
            unconfirmed_customer,
        ),
        s(
            "admin/generate_customer_token_as_admin",
            ALL,
            &[Need::AdminCredentials],
            "generateCustomerTokenAsAdmin: empty email, guest, unknown customer, success",
            as_admin,
        ),
        s(
            "admin/admin_token_on_customer_operation",
            ALL,
            &[Need::AdminCredentials],
            "an admin token sent to a customer-only operation",
            admin_on_customer,
        ),
    ]
}

fn admin_token(c: &mut Ctx) -> StepResult<()> {
    let (user, pass) =
        c.t.admin_credentials()
            .ok_or_else(|| c.fail("no admin credentials"))?;
    c.norm.add_exact(user.clone(), "[admin-user]");
    c.norm.add_exact(pass.clone(), "[admin-password]");
    let path = "/V1/integration/admin/token";
    c.rest(
        "empty username and password",
        "POST",
        path,
        Some(json!({"username": "", "password": ""})),
        None,
    )?;
    // Wrong credentials use a user name of this run: the admin throttle is keyed by user name,
    // so conformance runs can never throttle the real admin.
    let nobody = format!("conformance-{}", c.run.run_id);
    c.norm.add(nobody.clone(), "[unknown-admin-user]");
    c.rest(
        "wrong credentials",
        "POST",
        path,
        Some(json!({"username": nobody, "password": "Wrong-Admin-9"})),
        None,
    )?;
    let r = c.rest(
        "right credentials",
        "POST",
        path,
        Some(json!({"username": user, "password": pass})),
        None,
    )?;
    let tok = r.json_string().ok_or_else(|| c.fail("expected a JSON string"))?;
    let claims = crate::conform::normalize::jwt_claims(&tok);
    c.check_eq(
        claims.and_then(|cl| cl["utypid"].as_i64()),
        Some(2),
        "admin token utypid",
    )?;
    Ok(())
}

fn otc_issue(c: &mut Ctx) -> StepResult<()> {
    let a = c.account_with(json!({"allow_remote_shopping_assistance": true}))?;
    let id = c.customer_id(&a.email)?;
    c.norm.add_id(id, "[id]");
    let otc1 = c.issue_otc("issue an OTC", id)?;
    c.norm.add(otc1.clone(), "[otc-1]");
    let otc2 = c.issue_otc("issue a second OTC", id)?;
    c.norm.add(otc2.clone(), "[otc-2]");
    let r = c.sign_in("the first OTC was replaced", &a.email, &otc1)?;
    c.expect_generic(&r)?;
    let r = c.sign_in("the second OTC works", &a.email, &otc2)?;
    let tok = c.token_of(&r)?;
    let claims = crate::conform::normalize::check_customer_token(&tok, c.run.token_lifetime_secs)
        .map_err(|e| c.fail(e))?;
    c.check(claims.admin_id.is_some(), "a token from an OTC carries admin_id")?;
    let admin = c.admin_token()?;
    c.rest(
        "unknown customer",
        "POST",
        "/V1/customer/999999999/otp",
        Some(json!({})),
        Some(&admin),
    )?;
    c.rest(
        "no admin token",
        "POST",
        &format!("/V1/customer/{id}/otp"),
        Some(json!({})),
        None,
    )?;
    c.rest(
        "an invalid admin token",
        "POST",
        &format!("/V1/customer/{id}/otp"),
        Some(json!({})),
        Some("not-a-token"),
    )?;
    Ok(())
}

fn otc_no_permission(c: &mut Ctx) -> StepResult<()> {
    let a = c.account_with(json!({"allow_remote_shopping_assistance": true}))?;
    let id = c.customer_id(&a.email)?;
    c.norm.add_id(id, "[id]");
    let limited = c.t.limited_admin_token.clone().unwrap_or_default();
    c.norm.add(limited.clone(), "[limited-admin-token]");
    c.rest(
        "issue an OTC without the permission",
        "POST",
        &format!("/V1/customer/{id}/otp"),
        Some(json!({})),
        Some(&limited),
    )?;
    Ok(())
}

fn as_admin(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let admin =
        c.t.fetch_admin_token()
            .map_err(|e| c.fail(format!("setup: {e}")))?;
    c.gql_as("empty customer_email", &admin, q::AS_ADMIN, json!({"email": ""}))?;
    c.gql("as a guest", q::AS_ADMIN, json!({"email": a.email}))?;
    let customer = c.sign_in_quiet(&a.email, &a.password)?;
    c.gql_as("as a customer", &customer, q::AS_ADMIN, json!({"email": a.email}))?;
    let unknown = c.fresh_email();
    c.gql_as("unknown customer", &admin, q::AS_ADMIN, json!({"email": unknown}))?;
    let r = c.gql_as("success", &admin, q::AS_ADMIN, json!({"email": a.email}))?;
    if let Some(tok) = r.str_at("/data/generateCustomerTokenAsAdmin/customer_token") {
        let claims = crate::conform::normalize::check_customer_token(&tok, c.run.token_lifetime_secs)
            .map_err(|e| c.fail(e))?;
        c.check(
            claims.admin_id.is_some(),
            "an admin-issued token carries admin_id",
        )?;
        c.gql_as(
            "the admin-issued token reads the customer",
            &tok,
            q::CUSTOMER,
            json!({}),
        )?;
    }
    Ok(())
}

fn admin_on_customer(c: &mut Ctx) -> StepResult<()> {
    let admin =
        c.t.fetch_admin_token()
            .map_err(|e| c.fail(format!("setup: {e}")))?;
    c.gql_as("customer with an admin token", &admin, q::CUSTOMER, json!({}))?;
    c.gql_as(
        "revokeCustomerToken with an admin token",
        &admin,
        q::REVOKE,
        json!({}),
    )?;
    Ok(())
}

fn as_admin_no_permission(c: &mut Ctx) -> StepResult<()> {
    let a = c.account()?;
    let tok = c.t.admin_token_without_assistance.clone().unwrap_or_default();
    c.gql_as(
        "generateCustomerTokenAsAdmin without the permission",
        &tok,
        q::AS_ADMIN,
        json!({"email": a.email}),
    )?;
    Ok(())
}

fn unconfirmed_customer(c: &mut Ctx) -> StepResult<()> {
    if !c.run.confirmation_required {
        return Err(super::Flow::Skip(
            "the target does not require account confirmation (storeConfig.create_account_confirmation is false)".into(),
        ));
    }
    let email = c.fresh_email();
    let input =
        json!({"firstname": "Conform", "lastname": "Runner", "email": email, "password": super::PASSWORD});
    let r = c.quiet(c.t.gql_req(q::CREATE, Some(json!({ "input": input })), None))?;
    if r.str_at("/data/createCustomerV2/customer/email").is_none() {
        return Err(c.setup_failed("createCustomerV2", &r));
    }
    c.run.created.borrow_mut().push(email.clone());
    let admin =
        c.t.fetch_admin_token()
            .map_err(|e| c.fail(format!("setup: {e}")))?;
    let r = c.gql_as(
        "an admin-issued token for the unconfirmed account",
        &admin,
        q::AS_ADMIN,
        json!({"email": email}),
    )?;
    let Some(tok) = r.str_at("/data/generateCustomerTokenAsAdmin/customer_token") else {
        return Ok(());
    };
    c.gql_as(
        "customer on the unconfirmed account",
        &tok,
        q::CUSTOMER,
        json!({}),
    )?;
    c.gql_as(
        "updateCustomerV2 on the unconfirmed account",
        &tok,
        q::UPDATE,
        json!({"input": {"firstname": "Ada"}}),
    )?;
    Ok(())
}
