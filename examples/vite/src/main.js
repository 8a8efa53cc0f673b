import { graphql } from './graphql.js';

// The documents a storefront sends for these steps (the auth drop-in's
// createCustomerV2 and generateCustomerToken, then a customer query).
const CREATE_ACCOUNT = `mutation CreateAccount($input: CustomerCreateInput!) {
  createCustomerV2(input: $input) { customer { email } }
}`;
const SIGN_IN = `mutation SignIn($email: String!, $password: String!) {
  generateCustomerToken(email: $email, password: $password) { token }
}`;
const CUSTOMER = `query Customer {
  customer { firstname lastname email }
}`;

const status = document.querySelector('#status');
const signUpForm = document.querySelector('#sign-up');
const signInForm = document.querySelector('#sign-in');
const signedIn = document.querySelector('#signed-in');

// data-done counts finished requests, so a test (or a person reading the DOM)
// can tell this outcome from the previous one when both say the same thing.
function show(kind, message) {
  status.dataset.kind = kind;
  status.textContent = message;
  if (kind !== 'pending') status.dataset.done = String(Number(status.dataset.done ?? 0) + 1);
}

// Runs one form's request with its button disabled, so a double click cannot
// send the mutation twice, and reports any failure in the status line.
async function submitting(form, work) {
  const button = form.querySelector('button');
  button.disabled = true;
  show('pending', 'Working…');
  try {
    await work(Object.fromEntries(new FormData(form)));
  } catch (error) {
    show('error', error.message);
  } finally {
    button.disabled = false;
  }
}

signUpForm.addEventListener('submit', (event) => {
  event.preventDefault();
  submitting(signUpForm, async ({ firstname, lastname, email, password }) => {
    const data = await graphql(CREATE_ACCOUNT, { input: { firstname, lastname, email, password } });
    signInForm.elements.email.value = data.createCustomerV2.customer.email;
    show('ok', `Account created for ${data.createCustomerV2.customer.email}. You can sign in now.`);
  });
});

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  submitting(signInForm, async ({ email, password }) => {
    const { generateCustomerToken } = await graphql(SIGN_IN, { email, password });
    // The token is a bearer token; the storefront sends it on every later request.
    const { customer } = await graphql(CUSTOMER, undefined, { token: generateCustomerToken.token, method: 'GET' });
    document.querySelector('#customer-name').textContent = `${customer.firstname} ${customer.lastname}`;
    document.querySelector('#customer-email').textContent = customer.email;
    signedIn.hidden = false;
    show('ok', 'Signed in.');
  });
});
