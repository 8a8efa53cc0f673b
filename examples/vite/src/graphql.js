// A same-origin path: the dev and preview servers forward it to the mock
// (vite.config.js). Against a real store behind one domain nothing changes.
const ENDPOINT = '/graphql';

export class GraphQLError extends Error {}

/**
 * Sends one GraphQL document and returns its `data`, or throws the first error's
 * message (Magento's wording, which is what a shopper should see).
 *
 * Queries may go as GET, as Adobe's drop-ins and PWA Studio send them (cacheable
 * at a CDN); mutations must be POST, or Magento refuses them.
 */
export async function graphql(query, variables, { token, method = 'POST' } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;

  let url = ENDPOINT;
  let body;
  if (method === 'GET') {
    const params = new URLSearchParams({ query });
    if (variables) params.set('variables', JSON.stringify(variables));
    url = `${ENDPOINT}?${params}`;
  } else {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ query, variables });
  }

  const response = await fetch(url, { method, headers, body });
  // Magento puts a JSON error body on its 401s and 400s too, so read the body
  // before judging the status: the message is the useful part.
  let payload;
  try {
    payload = await response.json();
  } catch {
    throw new GraphQLError(`${ENDPOINT} answered HTTP ${response.status} without a JSON body (is the proxy to the mock running?)`);
  }
  if (payload.errors?.length) throw new GraphQLError(payload.errors[0].message);
  if (!response.ok || !payload.data) throw new GraphQLError(`${ENDPOINT} answered HTTP ${response.status} without data`);
  return payload.data;
}
