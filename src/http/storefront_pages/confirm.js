"use strict";
// The data the server embedded (escaped JSON): the email of the account the link's id names,
// the link's key, the success text with the store's name, and the GraphQL endpoint relative to
// this page, so the page works under any path prefix.
const data = JSON.parse(document.getElementById("page-data").textContent);
const CONFIRM =
  "mutation($email: String!, $key: String!) " +
  "{ confirmEmail(input: {email: $email, confirmation_key: $key}) { customer { email } } }";
// Magento's Confirm controller wording for anything unexpected.
const GENERIC = "There was an error confirming the account";

const message = document.getElementById("message");
const progress = document.getElementById("progress");
const hint = document.getElementById("hint");

function show(kind, text) {
  progress.hidden = true;
  message.className = "message " + kind;
  message.setAttribute("role", kind === "error" ? "alert" : "status");
  message.textContent = text; // never innerHTML: the server's messages are text
  message.hidden = false;
  document.body.dataset.outcome = kind;
}

async function confirmAccount() {
  const resp = await fetch(data.graphql, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: CONFIRM, variables: { email: data.email, key: data.key } }),
    cache: "no-store",
    credentials: "omit",
  });
  let body = null;
  try {
    body = await resp.json();
  } catch (_) {
    return { error: GENERIC + " (HTTP " + resp.status + ")" };
  }
  if (body && Array.isArray(body.errors) && body.errors.length > 0) {
    return { error: String(body.errors[0].message) };
  }
  if (body && body.data && body.data.confirmEmail && body.data.confirmEmail.customer) {
    return { ok: true };
  }
  return { error: GENERIC };
}

// Magento confirms on opening the link (a GET); so does this page, once, on load.
(async () => {
  let outcome;
  try {
    outcome = await confirmAccount();
  } catch (e) {
    outcome = { error: GENERIC + " (" + e + ")" };
  }
  if (outcome.ok) {
    show("success", data.success);
    hint.textContent = "You can now sign in with " + data.email + ".";
    hint.hidden = false;
  } else {
    show("error", outcome.error);
  }
})();
document.body.dataset.ready = "1";
