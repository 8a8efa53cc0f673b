#!/usr/bin/env bash
# Login as Customer and forgot-password, end to end, against a running commerce-auth-mock.
#
#   commerce-auth-mock serve --port 4000 &
#   docs/examples/login-as-customer.sh http://127.0.0.1:4000
#
# Needs bash, curl and python3. It resets the mock to its fixtures first and freezes the clock,
# so it can run any number of times. `tests/readme_example.rs` runs it and checks its output.
set -euo pipefail

BASE="${1:?usage: $0 BASE_URL (for example http://127.0.0.1:4000)}"
BASE="${BASE%/}"

# json PATH: reads JSON on stdin, prints the value at PATH (keys and indexes separated by dots).
json() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in filter(None, sys.argv[1].split(".")):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value if isinstance(value, str) else json.dumps(value))
' "$1"
}

# gql QUERY VARIABLES_JSON [TOKEN]: a GraphQL request, the answer on stdout.
gql() {
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$2")
  curl -sS "$BASE/graphql" -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} -d "$body"
}

# jwt_claims TOKEN: the payload of a JWT.
jwt_claims() {
  python3 -c '
import base64, sys
part = sys.argv[1].split(".")[1]
print(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode())
' "$1"
}

EMAIL="roni_cost@example.com"
PASSWORD="Roni-Cost-2024"

# 0. A known starting point: the fixtures, and a clock that moves only when told to.
curl -sS -X POST "$BASE/__mock/reset" -H 'Content-Type: application/json' -d '{}' > /dev/null
curl -sS -X POST "$BASE/__mock/clock" -H 'Content-Type: application/json' -d '{"action":"freeze"}' > /dev/null

# 1. An admin token (REST). The answer is a JSON string: a JWT with utypid 2.
ADMIN_TOKEN=$(curl -sS -X POST "$BASE/rest/V1/integration/admin/token" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"Admin-Pass-2024"}' | json "")
echo "admin token claims: $(jwt_claims "$ADMIN_TOKEN" | python3 -c 'import json,sys; c=json.load(sys.stdin); print("uid", c["uid"], "utypid", c["utypid"])')"

# 2. The customer allows remote shopping assistance (signed in, with updateCustomerV2).
CUSTOMER_TOKEN=$(gql 'mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }' \
  "{\"e\":\"$EMAIL\",\"p\":\"$PASSWORD\"}" | json data.generateCustomerToken.token)
ALLOWED=$(gql 'mutation { updateCustomerV2(input: { allow_remote_shopping_assistance: true }) { customer { allow_remote_shopping_assistance } } }' \
  '{}' "$CUSTOMER_TOKEN" | json data.updateCustomerV2.customer.allow_remote_shopping_assistance)
echo "assistance allowed: $ALLOWED"

# 3. The admin finds the customer's id and issues a one-time code (REST, saas).
CUSTOMER_ID=$(curl -sS -G "$BASE/rest/V1/customers/search" -H "Authorization: Bearer $ADMIN_TOKEN" \
  --data-urlencode 'searchCriteria[filterGroups][0][filters][0][field]=email' \
  --data-urlencode "searchCriteria[filterGroups][0][filters][0][value]=$EMAIL" \
  --data-urlencode 'searchCriteria[filterGroups][0][filters][0][conditionType]=eq' | json items.0.id)
echo "customer id: $CUSTOMER_ID"
OTP=$(curl -sS -X POST "$BASE/rest/V1/customer/$CUSTOMER_ID/otp" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"reason":"support call"}' | json otp)
echo "one-time code: ${#OTP} characters"

# 4. The code is the password of generateCustomerToken; the token carries the admin's id.
SIGN_IN='mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }'
ASSISTED_TOKEN=$(gql "$SIGN_IN" "{\"e\":\"$EMAIL\",\"p\":\"$OTP\"}" | json data.generateCustomerToken.token)
echo "assisted session admin_id: $(jwt_claims "$ASSISTED_TOKEN" | json admin_id)"
echo "the same code again: $(gql "$SIGN_IN" "{\"e\":\"$EMAIL\",\"p\":\"$OTP\"}" | json errors.0.message)"

# 5. A second code, 31 seconds later (the lifetime is 30 s): refused.
OTP2=$(curl -sS -X POST "$BASE/rest/V1/customer/$CUSTOMER_ID/otp" -H "Authorization: Bearer $ADMIN_TOKEN" | json otp)
curl -sS -X POST "$BASE/__mock/clock" -H 'Content-Type: application/json' -d '{"action":"advance","seconds":31}' > /dev/null
echo "a code after 31 s: $(gql "$SIGN_IN" "{\"e\":\"$EMAIL\",\"p\":\"$OTP2\"}" | json errors.0.message)"

# 6. Forgot password: the reset email lands in the mock's outbox, its token resets the password.
echo "reset requested: $(gql 'mutation($e: String!) { requestPasswordResetEmail(email: $e) }' "{\"e\":\"$EMAIL\"}" \
  | json data.requestPasswordResetEmail)"
OUTBOX=$(curl -sS -G "$BASE/__mock/outbox" --data-urlencode "to=$EMAIL")
echo "email: $(echo "$OUTBOX" | json emails.0.subject)"
RESET_TOKEN=$(echo "$OUTBOX" | json emails.0.token)
echo "password reset: $(gql 'mutation($e: String!, $t: String!, $p: String!) { resetPassword(email: $e, resetPasswordToken: $t, newPassword: $p) }' \
  "{\"e\":\"$EMAIL\",\"t\":\"$RESET_TOKEN\",\"p\":\"New-Passw0rd-2026\"}" | json data.resetPassword)"
NEW_TOKEN=$(gql "$SIGN_IN" "{\"e\":\"$EMAIL\",\"p\":\"New-Passw0rd-2026\"}" | json data.generateCustomerToken.token)
echo "signed in with the new password as customer: $(jwt_claims "$NEW_TOKEN" | json uid)"

# 7. Give the clock back to real time.
curl -sS -X POST "$BASE/__mock/clock" -H 'Content-Type: application/json' -d '{"action":"real"}' > /dev/null
