"use strict";
// The data the server embedded (escaped JSON): the customer's email, the reset token, and the
// GraphQL endpoint relative to this page, so the page works under any path prefix.
const data = JSON.parse(document.getElementById("page-data").textContent);
const RESET =
  "mutation($email: String!, $token: String!, $password: String!) " +
  "{ resetPassword(email: $email, resetPasswordToken: $token, newPassword: $password) }";
// Magento's ResetPasswordPost controller wording.
const GENERIC = "Something went wrong while saving the new password.";

const form = document.getElementById("reset-form");
const password = document.getElementById("password");
const confirmation = document.getElementById("password-confirmation");
const submit = document.getElementById("submit");
const message = document.getElementById("message");
const hint = document.getElementById("hint");

function show(kind, text) {
  message.className = "message " + kind;
  message.setAttribute("role", kind === "error" ? "alert" : "status");
  message.textContent = text; // never innerHTML: the server's messages are text
  message.hidden = false;
}

async function reset(newPassword) {
  const resp = await fetch(data.graphql, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      query: RESET,
      variables: { email: data.email, token: data.token, password: newPassword },
    }),
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
  if (body && body.data && body.data.resetPassword === true) {
    return { ok: true };
  }
  return { error: GENERIC };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  hint.hidden = true;
  if (password.value === "") {
    show("error", "Please enter a new password.");
    return;
  }
  if (password.value !== confirmation.value) {
    show("error", "New Password and Confirm New Password values didn't match.");
    return;
  }
  submit.disabled = true;
  form.setAttribute("aria-busy", "true");
  let outcome;
  try {
    outcome = await reset(password.value);
  } catch (e) {
    outcome = { error: GENERIC + " (" + e + ")" };
  }
  submit.disabled = false;
  form.removeAttribute("aria-busy");
  if (outcome.ok) {
    form.hidden = true;
    show("success", "You updated your password.");
    hint.textContent = "Sign in with " + data.email + " and your new password.";
    hint.hidden = false;
    document.body.dataset.outcome = "success";
  } else {
    show("error", outcome.error);
    document.body.dataset.outcome = "error";
  }
});
document.body.dataset.ready = "1";
