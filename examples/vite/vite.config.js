import { defineConfig } from 'vite';

// Where the mock listens: an origin, optionally with a tenant prefix
// (http://127.0.0.1:4000/acme sends /graphql to the mock's /acme/graphql,
// the SaaS URL shape, because the proxy prepends the target's path).
const target = process.env.MOCK_URL || 'http://127.0.0.1:4000';

// The page only ever calls /graphql and /rest on its own origin, as a storefront
// does behind one domain. Both servers forward those paths to the mock, so the
// browser makes no cross-origin request and needs no CORS.
const proxy = {
  // changeOrigin: the Host header names the mock rather than the Vite server;
  // real backends behind a CDN route on it, the mock does not mind either way.
  '/graphql': { target, changeOrigin: true },
  '/rest': { target, changeOrigin: true },
};

export default defineConfig({
  server: { host: '127.0.0.1', proxy },
  // preview.proxy defaults to server.proxy; spelled out so that `vite preview`
  // of the built page keeps working if someone gives server its own proxy.
  preview: { host: '127.0.0.1', proxy },
});
