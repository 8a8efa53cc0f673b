//! Wire messages of the spec (`behaviour.md` sections 4–6), byte for byte, in one place.
//! Messages marked **mock decision** are not documented by Adobe; see `docs/mock-decisions.md`.

pub(crate) const GENERIC_SIGN_IN: &str =
    "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.";
pub(crate) const NOT_CONFIRMED: &str = "This account isn't confirmed. Verify and try again.";
pub(crate) const NOT_AUTHORIZED: &str = "The current customer isn't authorized.";
pub(crate) const ACCOUNT_LOCKED_PERIOD: &str = "The account is locked.";
pub(crate) const ACCOUNT_LOCKED: &str = "The account is locked";
pub(crate) const INVALID_LOGIN: &str = "Invalid login or password.";

pub(crate) const SPECIFY_EMAIL: &str = "Specify the \"email\" value.";
pub(crate) const SPECIFY_PASSWORD: &str = "Specify the \"password\" value.";
/// **Mock decision** (5.2).
pub(crate) const SPECIFY_OTP: &str = "Specify the \"otp\" value.";
pub(crate) const SPECIFY_CURRENT_PASSWORD: &str = "Specify the \"currentPassword\" value.";
pub(crate) const SPECIFY_NEW_PASSWORD: &str = "Specify the \"newPassword\" value.";
pub(crate) const SPECIFY_CUSTOMER_EMAIL: &str = "Specify the \"customer email\" value.";

pub(crate) const INPUT_MUST_BE_SPECIFIED: &str = "\"input\" value should be specified";
pub(crate) const FIRST_NAME_REQUIRED: &str = "\"First Name\" is a required value.";
pub(crate) const LAST_NAME_REQUIRED: &str = "\"Last Name\" is a required value.";
/// Magento's `Customer\Model\Validator\Name` (a name over 255 characters, or with a character
/// its pattern does not allow). Several at once are joined with `\n`, as Magento's
/// `Validator\Exception` joins its messages with `PHP_EOL`.
pub(crate) const FIRST_NAME_NOT_VALID: &str = "First Name is not valid!";
pub(crate) const LAST_NAME_NOT_VALID: &str = "Last Name is not valid!";
pub(crate) const MIDDLE_NAME_NOT_VALID: &str = "Middle Name is not valid!";

pub(crate) const MUST_SPECIFY_EMAIL: &str = "You must specify an email address.";
pub(crate) const EMAIL_INVALID_FORMAT: &str = "The email address has an invalid format.";
pub(crate) const CANNOT_RESET_PASSWORD: &str = "Cannot reset the customer's password";
pub(crate) const RESET_TOKEN_MUST_BE_SPECIFIED: &str = "resetPasswordToken must be specified";
pub(crate) const NEW_PASSWORD_MUST_BE_SPECIFIED: &str = "newPassword must be specified";
pub(crate) const CANNOT_SET_PASSWORD: &str = "Cannot set the customer's password";
pub(crate) const RESET_TOKEN_MISMATCHED: &str = "The password token is mismatched. Reset and try again.";
pub(crate) const RESET_TOKEN_EXPIRED: &str = "The password token is expired. Reset and try again.";

pub(crate) const EMAIL_ALREADY_EXISTS: &str =
    "A customer with the same email address already exists in an associated website.";

pub(crate) const LOGIN_AS_CUSTOMER_DISABLED: &str = "Login as Customer is disabled.";
pub(crate) const SHOPPING_ASSISTANCE_DISABLED: &str = "Allow remote shopping assistance is disabled.";
/// **Mock decision**, from Magento's `RequestCustomerToken` resolver: admin without
/// `Magento_LoginAsCustomer::login`.
pub(crate) const NO_LOGIN_AS_CUSTOMER_PERMISSION: &str =
    "The current user does not have permission to login as customer.";
pub(crate) const CUSTOMER_EMAIL_DOES_NOT_EXIST: &str = "Customer email provided does not exist";

pub(crate) const EMAIL_MUST_BE_SPECIFIED: &str = "Email must be specified";
pub(crate) const EMAIL_IS_INVALID: &str = "Email is invalid";

/// **Mock decision** (confirmEmail / resendConfirmationEmail are not in the spec's message list;
/// wording from Magento's `AccountManagement`).
pub(crate) const ACCOUNT_ALREADY_ACTIVE: &str = "The account is already active.";
pub(crate) const CONFIRMATION_KEY_INVALID: &str =
    "The confirmation token is invalid. Verify the token and try again.";
pub(crate) const SPECIFY_CONFIRMATION_KEY: &str = "Specify the \"confirmation_key\" value.";
pub(crate) const EMAIL_ADDRESS_NOT_VALID: &str = "Email address is not valid";
pub(crate) const NO_USER_WITH_EMAIL: &str = "There is no user registered with that email address.";
pub(crate) const CONFIRMATION_NOT_NEEDED: &str = "Confirmation isn't needed.";

/// Admin OTC endpoint (spec 6).
pub(crate) const ASSISTANCE_DISABLED_FOR_CUSTOMER: &str =
    "Login as Customer assistance is disabled for this Customer.";

/// `"<value>" is not a valid gender value.`
pub(crate) fn invalid_gender(n: i64) -> String {
    format!("\"{n}\" is not a valid gender value.")
}

/// **Mock decision**: the spec only says "a message containing `Invalid date`".
pub(crate) fn invalid_date(value: &str) -> String {
    format!("Invalid date \"{value}\" for Date of Birth. Use the format YYYY-MM-DD.")
}

/// `"<email>" is not a valid email address.` (createCustomerV2)
pub(crate) fn not_a_valid_email_address(email: &str) -> String {
    format!("\"{email}\" is not a valid email address.")
}

/// **Mock decision**: confirmEmail for an unknown email (Magento's NoSuchEntityException text).
pub(crate) fn no_such_customer_email(email: &str) -> String {
    format!("No such entity with email = {email}, websiteId = 1")
}

/// **Mock decision**: a store refuses new customers once `max` customers created at run time
/// are alive (the `max_created_customers` setting), and says how to make room.
pub(crate) fn created_customers_limit(max: usize) -> String {
    format!(
        "This mock store already holds {max} customers created at run time (since the last reset), \
         the most its max_created_customers setting allows. Delete some (DELETE /V1/customers/{{id}} or \
         DELETE /__mock/customers/{{id}}), reset the store (POST /__mock/reset) or raise the setting \
         (PATCH /__mock/settings with {{\"max_created_customers\": <n>}})."
    )
}
