// A graphql-yoga server with an in-memory resolver for generateCustomerToken: what a team might
// write instead of using commerce-auth-mock. Used by bench/run.sh as a peer; not part of the mock.
// Usage: node yoga-server.js <port>
'use strict';
const { createServer } = require('node:http');
const { createSchema, createYoga } = require('graphql-yoga');

const port = Number(process.argv[2] || 4102);
// The same fixed token the WireMock stub returns (a syntactically valid HS256 JWS).
const TOKEN = require('./token.json').token;
const customers = new Map([['bench-signin@example.com', 'Bench-Passw0rd!']]);

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type CustomerToken { token: String }
    type Query { ping: Boolean }
    type Mutation { generateCustomerToken(email: String!, password: String!): CustomerToken }
  `,
  resolvers: {
    Mutation: {
      generateCustomerToken: (_parent, { email, password }) => {
        if (customers.get(email.toLowerCase()) !== password) {
          throw new Error(
            'The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.'
          );
        }
        return { token: TOKEN };
      },
    },
  },
});

const yoga = createYoga({ schema, graphqlEndpoint: '/graphql', logging: false, landingPage: false, graphiql: false });
createServer(yoga).listen(port, '127.0.0.1', () => {
  console.log(`graphql-yoga peer on http://127.0.0.1:${port}/graphql`);
});
