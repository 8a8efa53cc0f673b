//! Storefront compatibility: the GraphQL documents that Adobe's storefront auth drop-in
//! (`@dropins/storefront-auth`) and PWA Studio (`@magento/peregrine`) send for sign-up,
//! sign-in, session validation, forgot/reset password and sign-out, sent verbatim over HTTP as a
//! browser page on another origin sends them (queries as GET, mutations as POST).
//! Where each document comes from: `docs/storefront-compatibility.md`.

mod common;

use commerce_auth_mock::domain::{EmailKind, Fixtures};
use commerce_auth_mock::http::TestServer;
use commerce_auth_mock::profile::Profile;
use common::{get, gql, Reply};
use serde_json::{json, Value};

const ORIGIN: &str = "http://localhost:3000";

// ---- @dropins/storefront-auth (hlxsites/aem-boilerplate-commerce, scripts/__dropins__/storefront-auth/api/…)

/// `api/getStoreConfig/graphql/getStoreConfig.graphql.js` (sent as GET).
const DROPIN_GET_STORE_CONFIG: &str = r#"
  query GET_STORE_CONFIG {
    storeConfig {
      autocomplete_on_storefront
      minimum_password_length
      required_character_classes_number
      store_code
      store_name
      store_group_code
      locale
      create_account_confirmation
      customer_access_token_lifetime
    }
  }
"#;

/// `api/getAttributesForm/graphql/getAttributesForm.graphql.js` (sent as GET).
const DROPIN_GET_ATTRIBUTES_FORM: &str = r#"
  query GET_ATTRIBUTES_FORM($formCode: String!) {
    attributesForm(formCode: $formCode) {
      items {
        code
        default_value
        entity_type
        frontend_class
        frontend_input
        is_required
        is_unique
        label
        options {
          is_default
          label
          value
        }
        ... on CustomerAttributeMetadata {
          multiline_count
          sort_order
          validate_rules {
            name
            value
          }
        }
      }
      errors {
        type
        message
      }
    }
  }
"#;

/// `api/createCustomer/graphql/createCustomerV2.graphql.js`.
const DROPIN_CREATE_CUSTOMER_V2: &str = r#"
  mutation CREATE_CUSTOMER_V2($input: CustomerCreateInput!) {
    createCustomerV2(input: $input) {
      customer {
        firstname
        lastname
        email
        is_subscribed
      }
    }
  }
"#;

/// `api/createCustomer/graphql/createCustomer.graphql.js` (`apiVersion2: false`).
const DROPIN_CREATE_CUSTOMER: &str = r#"
  mutation CREATE_CUSTOMER($input: CustomerInput!) {
    createCustomer(input: $input) {
      customer {
        firstname
        lastname
        email
        is_subscribed
      }
    }
  }
"#;

/// `api/confirmEmail/graphql/confirmEmail.graphql.js`.
const DROPIN_CONFIRM_EMAIL: &str = r#"
  mutation CONFIRM_EMAIL($email: String!, $confirmation_key: String!) {
    confirmEmail(input: {
      email: $email,
      confirmation_key: $confirmation_key
    }) {
      customer {
        email
      }
    }
  }
"#;

/// `api/resendConfirmationEmail/graphql/resendConfirmationEmail.graphql.js`.
const DROPIN_RESEND_CONFIRMATION_EMAIL: &str = r#"
mutation RESEND_CONFIRMATION_EMAIL($email: String!) {
  resendConfirmationEmail(email: $email)
}"#;

/// `api/getCustomerToken/graphql/getCustomerToken.graphql.js`.
const DROPIN_GET_CUSTOMER_TOKEN: &str = r#"
  mutation GET_CUSTOMER_TOKEN($email: String!, $password: String!) {
    generateCustomerToken(email: $email, password: $password) {
      token
    }
  }
"#;

/// adobe/aem-boilerplate `scripts/__dropins__/storefront-auth/chunks/getCustomerToken.js`:
/// `GET_CUSTOMER_DATA` with `CUSTOMER_INFORMATION_FRAGMENT`
/// (`api/graphql/CustomerFragment.graphql.d.ts`) appended, sent as GET right after sign-in.
const DROPIN_GET_CUSTOMER_DATA: &str = r#"
  query GET_CUSTOMER_DATA {
    customer {
      ...CUSTOMER_INFORMATION_FRAGMENT
    }
  }
  
  fragment CUSTOMER_INFORMATION_FRAGMENT on Customer {
    __typename
    firstname
    lastname
    email
    group {
      uid
    }
  }

"#;

/// adobe/aem-boilerplate `scripts/__dropins__/storefront-auth/chunks/verifyToken.js`: the session
/// check the drop-in runs at start-up with the token from its cookie.
const DROPIN_VALIDATE_TOKEN: &str = r#"
  query VALIDATE_TOKEN {
    customer {
      group {
        uid
      }
    }
  }
"#;

/// `api/requestPasswordResetEmail/graphql/requestPasswordResetEmail.graphql.js`.
const DROPIN_REQUEST_PASSWORD_RESET_EMAIL: &str = r#"
  mutation REQUEST_PASSWORD_RESET_EMAIL($email: String!) {
    requestPasswordResetEmail(email: $email)
  }
"#;

/// `api/resetPassword/graphql/resetPassword.graphql.js`.
const DROPIN_RESET_PASSWORD: &str = r#"
  mutation RESET_PASSWORD($email: String!, $resetPasswordToken: String!, $newPassword: String!){
    resetPassword(email: $email,resetPasswordToken: $resetPasswordToken,newPassword: $newPassword)
  }
"#;

/// `api/revokeCustomerToken/graphql/revokeCustomerToken.graphql.js`.
const DROPIN_REVOKE_CUSTOMER_TOKEN: &str = r#"
  mutation REVOKE_CUSTOMER_TOKEN {
    revokeCustomerToken {
      result
    }
  }
"#;

// ---- PWA Studio (magento/pwa-studio, packages/peregrine/lib/talons/…)

/// `CreateAccount/createAccount.gql.js` `CREATE_ACCOUNT`.
const PWA_CREATE_ACCOUNT: &str = r#"
    mutation CreateAccount(
        $email: String!
        $firstname: String!
        $lastname: String!
        $password: String!
        $is_subscribed: Boolean!
    ) {
        createCustomer(
            input: {
                email: $email
                firstname: $firstname
                lastname: $lastname
                password: $password
                is_subscribed: $is_subscribed
            }
        ) {
            # The createCustomer mutation returns a non-nullable CustomerOutput type
            # which requires that at least one of the sub fields be returned.
            customer {
                id
            }
        }
    }
"#;

/// `SignIn/signIn.gql.js` `SIGN_IN`.
const PWA_SIGN_IN: &str = r#"
    mutation SignIn($email: String!, $password: String!) {
        generateCustomerToken(email: $email, password: $password) {
            token
        }
    }
"#;

/// `SignIn/signIn.gql.js` `GET_CUSTOMER` (also `CreateAccount/createAccount.gql.js`
/// `GetCustomerAfterCreate` with the same selection). PWA Studio sends queries as GET.
const PWA_GET_CUSTOMER: &str = r#"
    query GetCustomerAfterSignIn {
        customer {
            id
            email
            firstname
            lastname
            is_subscribed
        }
    }
"#;

/// The same document as Apollo Client puts it on the wire (`addTypename` adds `__typename`
/// to every selection set below the root).
const PWA_GET_CUSTOMER_APOLLO: &str = r#"
    query GetCustomerAfterSignIn {
        customer {
            id
            email
            firstname
            lastname
            is_subscribed
            __typename
        }
    }
"#;

/// `ForgotPassword/forgotPassword.gql.js`.
const PWA_REQUEST_PASSWORD_RESET_EMAIL: &str = r#"
    mutation requestPasswordResetEmail($email: String!) {
        requestPasswordResetEmail(email: $email)
    }
"#;

/// `MyAccount/resetPassword.gql.js`.
const PWA_RESET_PASSWORD: &str = r#"
    mutation resetPassword(
        $email: String!
        $token: String!
        $newPassword: String!
    ) {
        resetPassword(
            email: $email
            resetPasswordToken: $token
            newPassword: $newPassword
        )
    }
"#;

/// `Header/accountMenu.gql.js` `SIGN_OUT`.
const PWA_SIGN_OUT: &str = r#"
    mutation SignOutFromMenu {
        revokeCustomerToken {
            result
        }
    }
"#;

const REVOKED: &str = r#"{"errors":[{"message":"User token has been revoked","extensions":{"category":"graphql-authentication"}}]}"#;

/// A query sent as a browser on another origin sends it: GET with `query` (and `variables`).
async fn browser_get(url: &str, query: &str, variables: Option<Value>, token: Option<&str>) -> Reply {
    let vars = variables.map(|v| v.to_string());
    let mut params = vec![("query", query)];
    if let Some(v) = &vars {
        params.push(("variables", v.as_str()));
    }
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Origin", ORIGIN)];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b.as_str()));
    }
    let reply = get(url, &params, &headers).await;
    assert_cors(&reply);
    reply
}

/// A mutation as a browser on another origin posts it.
async fn browser_post(url: &str, query: &str, variables: Value, token: Option<&str>) -> Reply {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Origin", ORIGIN)];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b.as_str()));
    }
    let reply = gql(url, query, variables, &headers).await;
    assert_cors(&reply);
    reply
}

fn assert_cors(reply: &Reply) {
    let allowed = reply
        .headers
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        matches!(allowed.as_deref(), Some("*") | Some(ORIGIN)),
        "no CORS header for {ORIGIN}: {allowed:?}"
    );
}

fn token_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["data"]["generateCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", reply.body))
        .to_string()
}

fn assert_body(reply: &Reply, status: u16, body: Value) {
    assert_eq!((reply.status, reply.json()), (status, body), "{}", reply.body);
}

#[tokio::test]
async fn dropin_store_config_is_read_with_get_from_another_origin() {
    let s = TestServer::start(Profile::Saas).await;
    let r = browser_get(&s.graphql_url(), DROPIN_GET_STORE_CONFIG, None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"{"data":{"storeConfig":{"autocomplete_on_storefront":false,"minimum_password_length":"8","required_character_classes_number":"3","store_code":"default","store_name":"Default Store View","store_group_code":"main_website_store","locale":"en_US","create_account_confirmation":false,"customer_access_token_lifetime":1.0}}}"#
    );
}

#[tokio::test]
async fn dropin_sign_up_form_comes_from_attributes_form() {
    let s = TestServer::start(Profile::Saas).await;
    let vars = json!({"formCode": "customer_account_create"});
    let r = browser_get(&s.graphql_url(), DROPIN_GET_ATTRIBUTES_FORM, Some(vars), None).await;
    let text = |code: &str, label: &str, sort: i64, rules: Value| {
        json!({
            "code": code, "default_value": null, "entity_type": "CUSTOMER", "frontend_class": null,
            "frontend_input": "TEXT", "is_required": true, "is_unique": false, "label": label,
            "options": [], "multiline_count": 0, "sort_order": sort, "validate_rules": rules
        })
    };
    let names =
        json!([{"name": "MAX_TEXT_LENGTH", "value": "255"}, {"name": "MIN_TEXT_LENGTH", "value": "1"}]);
    assert_body(
        &r,
        200,
        json!({"data": {"attributesForm": {
            "items": [
                text("firstname", "First Name", 40, names.clone()),
                text("lastname", "Last Name", 70, names),
                text("email", "Email", 80, json!([{"name": "INPUT_VALIDATION", "value": "email"}])),
            ],
            "errors": []
        }}}),
    );
}

#[tokio::test]
async fn attributes_form_of_an_unknown_or_admin_form_answers_entity_not_found() {
    let s = TestServer::start(Profile::Saas).await;
    for code in ["customer_account_nope", "adminhtml_customer"] {
        let r = browser_get(
            &s.graphql_url(),
            DROPIN_GET_ATTRIBUTES_FORM,
            Some(json!({ "formCode": code })),
            None,
        )
        .await;
        assert_eq!(
            r.body,
            format!(
                r#"{{"data":{{"attributesForm":{{"items":[],"errors":[{{"type":"ENTITY_NOT_FOUND","message":"Form \"{code}\" could not be found."}}]}}}}}}"#
            )
        );
    }
    let r = browser_get(
        &s.graphql_url(),
        DROPIN_GET_ATTRIBUTES_FORM,
        Some(json!({ "formCode": "" })),
        None,
    )
    .await;
    assert_eq!(
        r.body,
        r#"{"errors":[{"message":"Required parameter \"formCode\" of type string.","locations":[{"line":3,"column":5}],"path":["attributesForm"],"extensions":{"category":"graphql-input"}}],"data":null}"#
    );
}

#[tokio::test]
async fn attribute_forms_come_from_the_fixtures() {
    let fixtures = Fixtures::from_json_str(
        "test.json",
        r#"{"attribute_forms": {"customer_account_create": [
            {"code": "gender", "label": "Gender", "frontend_input": "SELECT", "sort_order": 110,
             "options": [{"label": "Male", "value": "1"}, {"label": "Female", "value": "2", "is_default": true}]}
        ]}}"#,
    )
    .unwrap();
    let s = TestServer::start_with(Profile::Saas, fixtures).await;
    let vars = json!({"formCode": "customer_account_create"});
    let r = browser_get(&s.graphql_url(), DROPIN_GET_ATTRIBUTES_FORM, Some(vars), None).await;
    assert_eq!(
        r.body,
        r#"{"data":{"attributesForm":{"items":[{"code":"gender","default_value":null,"entity_type":"CUSTOMER","frontend_class":null,"frontend_input":"SELECT","is_required":false,"is_unique":false,"label":"Gender","options":[{"is_default":false,"label":"Male","value":"1"},{"is_default":true,"label":"Female","value":"2"}],"multiline_count":null,"sort_order":110,"validate_rules":[]}],"errors":[]}}}"#
    );
    let bad = Fixtures::from_json_str(
        "test.json",
        r#"{"attribute_forms": {"f": [{"code": "x", "frontend_input": "PASSWORD"}]}}"#,
    )
    .unwrap_err();
    assert_eq!(bad.path(), Some("attribute_forms.f[0].frontend_input"));
}

/// The drop-in's whole journey on the default (confirmation required) store: sign up, confirm,
/// sign in, read the customer, validate the session, forgot and reset the password, sign in
/// with the new one, sign out, and see the old session refused.
#[tokio::test]
async fn dropin_sign_up_confirm_sign_in_reset_and_sign_out() {
    let s = common::requiring_confirmation(Profile::Saas).await;
    let url = s.graphql_url();
    let email = "dropin.shopper@example.com";

    let r = browser_post(
        &url,
        DROPIN_CREATE_CUSTOMER_V2,
        json!({"input": {"firstname": "Drop", "lastname": "In", "email": email, "password": "Drop-In-2024"}}),
        None,
    )
    .await;
    assert_body(
        &r,
        200,
        json!({"data": {"createCustomerV2": {"customer": {
            "firstname": "Drop", "lastname": "In", "email": email, "is_subscribed": false
        }}}}),
    );

    // Not yet confirmed: the drop-in shows Magento's message.
    let vars = json!({"email": email, "password": "Drop-In-2024"});
    let r = browser_post(&url, DROPIN_GET_CUSTOMER_TOKEN, vars.clone(), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["errors"][0]["message"],
        "This account isn't confirmed. Verify and try again."
    );

    // The confirmation email may be sent again; the key is the same.
    let r = browser_post(
        &url,
        DROPIN_RESEND_CONFIRMATION_EMAIL,
        json!({ "email": email }),
        None,
    )
    .await;
    assert_body(&r, 200, json!({"data": {"resendConfirmationEmail": true}}));
    let mail = s.domain.outbox_for(email);
    assert_eq!(mail.len(), 2);
    assert!(mail.iter().all(|m| m.kind == EmailKind::Confirmation));
    let key = mail[1].token.clone();
    let r = browser_post(
        &url,
        DROPIN_CONFIRM_EMAIL,
        json!({"email": email, "confirmation_key": key}),
        None,
    )
    .await;
    assert_body(
        &r,
        200,
        json!({"data": {"confirmEmail": {"customer": {"email": email}}}}),
    );

    let token = token_of(&browser_post(&url, DROPIN_GET_CUSTOMER_TOKEN, vars, None).await);
    let r = browser_get(&url, DROPIN_GET_CUSTOMER_DATA, None, Some(&token)).await;
    assert_eq!(
        r.body,
        r#"{"data":{"customer":{"__typename":"Customer","firstname":"Drop","lastname":"In","email":"dropin.shopper@example.com","group":{"uid":"MQ=="}}}}"#
    );
    let r = browser_get(&url, DROPIN_VALIDATE_TOKEN, None, Some(&token)).await;
    assert_eq!(r.body, r#"{"data":{"customer":{"group":{"uid":"MQ=="}}}}"#);

    // Forgot password → email → reset → sign in with the new password.
    let r = browser_post(
        &url,
        DROPIN_REQUEST_PASSWORD_RESET_EMAIL,
        json!({ "email": email }),
        None,
    )
    .await;
    assert_body(&r, 200, json!({"data": {"requestPasswordResetEmail": true}}));
    let reset = s.domain.outbox_for(email).pop().unwrap();
    assert_eq!(reset.kind, EmailKind::PasswordReset);
    let r = browser_post(
        &url,
        DROPIN_RESET_PASSWORD,
        json!({"email": email, "resetPasswordToken": reset.token, "newPassword": "Drop-In-2025"}),
        None,
    )
    .await;
    assert_body(&r, 200, json!({"data": {"resetPassword": true}}));
    s.domain.clock().advance(1);
    let old = browser_post(
        &url,
        DROPIN_GET_CUSTOMER_TOKEN,
        json!({"email": email, "password": "Drop-In-2024"}),
        None,
    )
    .await;
    assert_eq!(old.status, 401);
    let token = token_of(
        &browser_post(
            &url,
            DROPIN_GET_CUSTOMER_TOKEN,
            json!({"email": email, "password": "Drop-In-2025"}),
            None,
        )
        .await,
    );

    // Sign out; the drop-in's session check then sees graphql-authentication and drops the cookie.
    let r = browser_post(&url, DROPIN_REVOKE_CUSTOMER_TOKEN, json!({}), Some(&token)).await;
    assert_body(
        &r,
        200,
        json!({"data": {"revokeCustomerToken": {"result": true}}}),
    );
    let r = browser_get(&url, DROPIN_VALIDATE_TOKEN, None, Some(&token)).await;
    assert_eq!((r.status, r.body.as_str()), (401, REVOKED));
}

#[tokio::test]
async fn dropin_create_customer_v1_creates_the_same_account() {
    let s = TestServer::start(Profile::Saas).await;
    let url = s.graphql_url();
    let input = json!({"input": {"firstname": "Old", "lastname": "Api", "email": "v1@example.com", "password": "Old-Api-2024", "is_subscribed": true}});
    let r = browser_post(&url, DROPIN_CREATE_CUSTOMER, input.clone(), None).await;
    assert_body(
        &r,
        200,
        json!({"data": {"createCustomer": {"customer": {
            "firstname": "Old", "lastname": "Api", "email": "v1@example.com", "is_subscribed": true
        }}}}),
    );
    let r = browser_post(&url, DROPIN_CREATE_CUSTOMER, input, None).await;
    assert_eq!(
        r.json()["errors"][0]["message"],
        "A customer with the same email address already exists in an associated website."
    );
}

fn no_confirmation() -> Fixtures {
    let mut f = Fixtures::embedded_default();
    f.settings.confirmation_required = false;
    f
}

/// PWA Studio's journey on a store without email confirmation: create the account, sign in
/// straight away, read the customer (GET, as Apollo sends queries), forgot and reset the
/// password, sign in again, sign out, and see the token refused.
#[tokio::test]
async fn pwa_studio_create_account_sign_in_reset_and_sign_out() {
    let s = TestServer::start_with(Profile::Saas, no_confirmation()).await;
    let url = s.graphql_url();
    let email = "venia.shopper@example.com";

    let r = browser_post(
        &url,
        PWA_CREATE_ACCOUNT,
        json!({"email": email, "firstname": "Venia", "lastname": "Shopper", "password": "Venia-2024", "is_subscribed": false}),
        None,
    )
    .await;
    assert_eq!(r.body, r#"{"data":{"createCustomer":{"customer":{"id":null}}}}"#);

    let token = token_of(
        &browser_post(
            &url,
            PWA_SIGN_IN,
            json!({"email": email, "password": "Venia-2024"}),
            None,
        )
        .await,
    );
    let r = browser_get(&url, PWA_GET_CUSTOMER, None, Some(&token)).await;
    assert_eq!(
        r.body,
        r#"{"data":{"customer":{"id":null,"email":"venia.shopper@example.com","firstname":"Venia","lastname":"Shopper","is_subscribed":false}}}"#
    );
    let r = browser_get(&url, PWA_GET_CUSTOMER_APOLLO, None, Some(&token)).await;
    assert_eq!(
        r.body,
        r#"{"data":{"customer":{"id":null,"email":"venia.shopper@example.com","firstname":"Venia","lastname":"Shopper","is_subscribed":false,"__typename":"Customer"}}}"#
    );

    let r = browser_post(
        &url,
        PWA_REQUEST_PASSWORD_RESET_EMAIL,
        json!({ "email": email }),
        None,
    )
    .await;
    assert_eq!(r.body, r#"{"data":{"requestPasswordResetEmail":true}}"#);
    let reset = s.domain.outbox_for(email).pop().unwrap();
    assert_eq!(reset.kind, EmailKind::PasswordReset);
    let r = browser_post(
        &url,
        PWA_RESET_PASSWORD,
        json!({"email": email, "token": reset.token, "newPassword": "Venia-2025"}),
        None,
    )
    .await;
    assert_eq!(r.body, r#"{"data":{"resetPassword":true}}"#);

    s.domain.clock().advance(1);
    let token = token_of(
        &browser_post(
            &url,
            PWA_SIGN_IN,
            json!({"email": email, "password": "Venia-2025"}),
            None,
        )
        .await,
    );
    let r = browser_post(&url, PWA_SIGN_OUT, json!({}), Some(&token)).await;
    assert_eq!(r.body, r#"{"data":{"revokeCustomerToken":{"result":true}}}"#);
    let r = browser_get(&url, PWA_GET_CUSTOMER, None, Some(&token)).await;
    assert_eq!((r.status, r.body.as_str()), (401, REVOKED));
}

#[tokio::test]
async fn customer_fields_storefronts_read_are_served_empty() {
    let s = TestServer::start(Profile::Saas).await;
    let url = s.graphql_url();
    let token = token_of(
        &browser_post(
            &url,
            PWA_SIGN_IN,
            json!({"email": "roni_cost@example.com", "password": "Roni-Cost-2024"}),
            None,
        )
        .await,
    );
    let q = r#"{ customer { addresses { id firstname street default_billing } default_billing default_shipping custom_attributes(attributeCodes: ["company_user_phone_number"]) { code ... on AttributeValue { value } } } }"#;
    let r = browser_get(&url, q, None, Some(&token)).await;
    assert_eq!(
        r.body,
        r#"{"data":{"customer":{"addresses":[],"default_billing":null,"default_shipping":null,"custom_attributes":[]}}}"#
    );
}

/// `SignIn/signIn.gql.js` `CREATE_CART` (PWA Studio 12 builds; later moved to the cart
/// context with the same text): the customer's cart id right after sign-in. Guests send it too.
const PWA_CREATE_CART: &str = r#"
    mutation CreateCartAfterSignIn {
        cartId: createEmptyCart
    }
"#;

/// `SignIn/signIn.gql.js` `MERGE_CARTS` with `CheckoutPage/checkoutPageFragments.gql.js`
/// `CheckoutPageFragment` appended (as `gql` interpolates it).
const PWA_MERGE_CARTS: &str = r#"
    mutation MergeCartsAfterSignIn(
        $sourceCartId: String!
        $destinationCartId: String!
    ) {
        mergeCarts(
            source_cart_id: $sourceCartId
            destination_cart_id: $destinationCartId
        ) {
            id
            # eslint-disable-next-line @graphql-eslint/require-id-when-available
            items {
                uid
            }
            ...CheckoutPageFragment
        }
    }
    
    fragment CheckoutPageFragment on Cart {
        id
        # eslint-disable-next-line @graphql-eslint/require-id-when-available
        items {
            uid
            # eslint-disable-next-line @graphql-eslint/require-id-when-available
            product {
                uid
                stock_status
            }
        }
        # If total quantity is falsy we render empty.
        total_quantity
        available_payment_methods {
            code
        }
    }

"#;

fn cart_id_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["data"]["cartId"]
        .as_str()
        .unwrap_or_else(|| panic!("no cart id: {}", reply.body))
        .to_string()
}

/// PWA Studio's sign-in: the guest cart is merged into the customer's cart created right after
/// `generateCustomerToken`.
#[tokio::test]
async fn pwa_studio_sign_in_creates_the_customer_cart_and_merges_the_guest_cart() {
    let s = TestServer::start(Profile::Saas).await;
    let url = s.graphql_url();
    let guest_cart = cart_id_of(&browser_post(&url, PWA_CREATE_CART, json!({}), None).await);
    assert_eq!(guest_cart.len(), 32);

    let token = token_of(
        &browser_post(
            &url,
            PWA_SIGN_IN,
            json!({"email": "roni_cost@example.com", "password": "Roni-Cost-2024"}),
            None,
        )
        .await,
    );
    let customer_cart = cart_id_of(&browser_post(&url, PWA_CREATE_CART, json!({}), Some(&token)).await);
    assert_ne!(customer_cart, guest_cart);
    let again = cart_id_of(&browser_post(&url, PWA_CREATE_CART, json!({}), Some(&token)).await);
    assert_eq!(again, customer_cart, "a customer keeps one active cart");

    let vars = json!({"sourceCartId": guest_cart, "destinationCartId": customer_cart});
    let r = browser_post(&url, PWA_MERGE_CARTS, vars.clone(), Some(&token)).await;
    assert_eq!(
        r.body,
        format!(
            r#"{{"data":{{"mergeCarts":{{"id":"{customer_cart}","items":[],"total_quantity":0.0,"available_payment_methods":[]}}}}}}"#
        )
    );
    let r = browser_get(&url, "{ customerCart { id email } }", None, Some(&token)).await;
    assert_eq!(
        r.body,
        format!(
            r#"{{"data":{{"customerCart":{{"id":"{customer_cart}","email":"roni_cost@example.com"}}}}}}"#
        )
    );

    // The guest cart is gone once merged; guests cannot merge.
    let r = browser_post(&url, PWA_MERGE_CARTS, vars.clone(), Some(&token)).await;
    assert_eq!(
        r.json()["errors"][0]["message"],
        format!("Could not find a cart with ID \"{guest_cart}\"")
    );
    let r = browser_post(&url, PWA_MERGE_CARTS, vars, None).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["errors"][0]["message"],
        "The current customer isn't authorized."
    );
}

/// adobe/aem-boilerplate `chunks/getCustomerGroup.js` `GET_CUSTOMER_ROLE_PERMISSIONS` is B2B
/// (not served): the mock answers a validation error, from which the drop-in falls back to
/// "all permissions". Abridged: the real document also nests `name` and `permissions`.
#[tokio::test]
async fn dropin_b2b_role_permissions_query_is_refused_by_validation() {
    let s = TestServer::start(Profile::Saas).await;
    let q = "\n  query GET_CUSTOMER_ROLE_PERMISSIONS {\n    customer {\n      purchase_orders_enabled\n      role {\n        id\n      }\n    }\n  }\n";
    let r = browser_get(&s.graphql_url(), q, None, None).await;
    assert_eq!(
        r.json()["errors"][0]["message"],
        "Cannot query field \"purchase_orders_enabled\" on type \"Customer\"."
    );
}
