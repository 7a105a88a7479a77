// Sandbox orgs sign in at test.salesforce.com; everything else is Salesforce's. Written from https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm
import { defineProvider } from '../provider.js';
import salesforce from './salesforce.js';

if (salesforce.auth.mode !== 'OAUTH2') throw new Error('the Salesforce entry must be OAuth2');

export default defineProvider({
  ...salesforce,
  name: 'salesforce-sandbox',
  displayName: 'Salesforce (sandbox)',
  auth: {
    ...salesforce.auth,
    authorizationUrl: 'https://test.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://test.salesforce.com/services/oauth2/token',
  },
});
