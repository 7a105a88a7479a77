// Written from https://docs.stripe.com/api/authentication, https://docs.stripe.com/api/pagination and https://docs.stripe.com/rate-limits
import { defineProvider } from '../provider.js';

export default defineProvider({
  name: 'stripe',
  displayName: 'Stripe',
  categories: ['payment'],
  docs: 'https://docs.stripe.com/api/authentication',
  baseUrl: 'https://api.stripe.com',
  // A secret or restricted key; Stripe accepts it as a bearer token (the default header).
  auth: { mode: 'API_KEY' },
  // 429 on too many requests; Stripe documents no wait header, so back off.
  retry: { statuses: [429] },
  // No default pagination: lists page with `starting_after=<id of the last item>` and `has_more`.
  // The next cursor is the last element's id, not a response field, so `cursor_path_in_response`
  // cannot express it; scripts page by hand.
});
