/**
 * A connection's `connection_config` against the fields its provider declares. The values are
 * customer input (any key with `connections:write` sets them), and templates put them into the
 * URLs Syncline calls — among them the OAuth token URL, which receives the integration's client
 * secret: `https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens` with a subdomain of
 * `evil.example/x?` would send that secret to evil.example. So a value must match the pattern
 * its field declares when it is stored (`checkConnectionConfig`), and again, for connections
 * stored before that check, whenever a URL that carries a secret is rendered (`checkSecretUrl…`).
 *
 * "Present" means what `renderTemplate` uses: undefined, null and `''` are skipped by its `||`
 * chains (a blank optional field falls back to the default), so they are not checked either.
 */
import type { Provider } from './provider.js';
import { renderTemplate, type TemplateValues, templateNames } from './template.js';

/** One field's problem; `field` is its name in `connection_config`. */
export interface ConnectionConfigProblem {
  field: string;
  message: string;
}

export type DeclaredConnectionConfig = Provider['connectionConfig'];

/**
 * What a value with no declared pattern must look like to be put into a secret-bearing URL: a
 * host name or a label of one. No `/ ? # @ : \`, `%` or whitespace, so it cannot end the host,
 * add a port or user info, or start a path, query or fragment of its own.
 */
export const HOST_SAFE = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

const CONFIG_PREFIX = 'connectionConfig.';

/** A connection was given a `connection_config` value its provider's field declaration refuses. */
export class InvalidConnectionConfigError extends Error {
  override readonly name = 'InvalidConnectionConfigError';
  constructor(readonly problems: ConnectionConfigProblem[]) {
    super(`invalid connection_config: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  }
}

/**
 * What an end user may set from the browser (`params[x]` of the connect routes): the fields the
 * provider declares, nothing else — so a browser cannot plant `instance_url`, `api_domain` or
 * `oauth_scopes_override` that base URLs and scopes read (the app's backend may, through the session).
 */
export function declaredFieldsOf<T>(declared: DeclaredConnectionConfig, given: Record<string, T> | undefined): Record<string, T> {
  return Object.fromEntries(Object.entries(given ?? {}).filter(([name]) => Object.hasOwn(declared, name)));
}

/** Declared fields that are present must be strings matching their pattern in full; undeclared fields are not checked. */
export function checkConnectionConfig(declared: DeclaredConnectionConfig, config: Record<string, unknown>): ConnectionConfigProblem[] {
  const problems: ConnectionConfigProblem[] = [];
  for (const [field, spec] of Object.entries(declared)) {
    const value = Object.hasOwn(config, field) ? config[field] : undefined;
    if (!isPresent(value)) continue;
    const problem = patternProblem(value, spec.pattern);
    if (problem) problems.push({ field, message: problem });
  }
  return problems;
}

/**
 * Before a URL that carries a secret (a token or refresh URL) is rendered from `template`: every
 * `${connectionConfig.*}` value it would use must match its field's declared pattern, or be
 * host-safe when the provider declares none.
 */
export function checkSecretUrlValues(template: string, declared: DeclaredConnectionConfig, config: Record<string, unknown>): ConnectionConfigProblem[] {
  const problems: ConnectionConfigProblem[] = [];
  for (const name of new Set(templateNames(template))) {
    if (!name.startsWith(CONFIG_PREFIX)) continue;
    const field = name.slice(CONFIG_PREFIX.length);
    const value = lookup(config, field);
    if (!isPresent(value)) continue;
    const spec = Object.hasOwn(declared, field) ? declared[field] : undefined;
    const problem = spec?.pattern !== undefined ? patternProblem(value, spec.pattern) : hostSafeProblem(value);
    if (problem) problems.push({ field, message: problem });
  }
  return problems;
}

export type SecretUrl = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Renders a URL that will carry a secret (the client secret to a token or refresh URL). A
 * template without placeholders was written in code by the integration's author and is used as
 * it is. One with placeholders is refused, naming fields and patterns but never a value, when a
 * `${connectionConfig.*}` value it uses fails `checkSecretUrlValues`, or when the result fails
 * `secretUrlProblem`. A template missing a value still throws `TemplateError`, as for any URL.
 */
export function renderSecretUrl(
  template: string,
  values: TemplateValues & { connectionConfig: Record<string, unknown> },
  declared: DeclaredConnectionConfig,
  options: { allowLoopbackHttp: boolean },
): SecretUrl {
  if (templateNames(template).length === 0) return { ok: true, url: template };
  const problems = checkSecretUrlValues(template, declared, values.connectionConfig);
  if (problems.length > 0) return { ok: false, reason: `in its connection_config, ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}` };
  const url = renderTemplate(template, values, "the provider's token URL");
  const problem = secretUrlProblem(url, options);
  return problem ? { ok: false, reason: `the token URL rendered for it ${problem}` } : { ok: true, url };
}

/**
 * A rendered secret-bearing URL: https, or http to 127.0.0.1 where `allowLoopbackHttp` (local
 * development, whose token endpoints listen there). Null when it may be called.
 */
export function secretUrlProblem(url: string, options: { allowLoopbackHttp: boolean }): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'must not carry user info';
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:' && options.allowLoopbackHttp && parsed.hostname === '127.0.0.1') return null;
  return options.allowLoopbackHttp ? 'must use https (or http to 127.0.0.1)' : 'must use https';
}

/** `pattern` as the catalog writes it (`^[a-z0-9-]+$`), matched against the whole value. */
export function fullMatch(pattern: string, value: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(value);
}

function patternProblem(value: unknown, pattern: string | undefined): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (pattern !== undefined && !fullMatch(pattern, value)) return `must match ${pattern}`;
  return null;
}

function hostSafeProblem(value: unknown): string | null {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  return text !== null && HOST_SAFE.test(text) ? null : 'must be a host name (letters, digits, "." and "-") to be used in a token URL';
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function lookup(config: Record<string, unknown>, path: string): unknown {
  let current: unknown = config;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
