/**
 * Fills a provider template: `${connectionConfig.subdomain}`, `${credentials.raw.instance_url}`,
 * `${accessToken}` …, with `||` fallbacks (`${connectionConfig.api_domain || 'https://api.x.com'}`:
 * the first non-empty value wins, a quoted literal ends the chain). A template whose every choice
 * is empty is an error naming what was missing, never a URL with a hole in it.
 */

/** The values a template may name, as nested objects (`connectionConfig.subdomain`). */
export type TemplateValues = Record<string, unknown>;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const QUOTED = /^'([^']*)'$|^"([^"]*)"$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;

export function renderTemplate(template: string, values: TemplateValues, what = 'template'): string {
  return template.replace(PLACEHOLDER, (_, expression: string) => {
    const choices = expression.split('||').map((choice) => choice.trim());
    for (const choice of choices) {
      const literal = QUOTED.exec(choice);
      if (literal) return literal[1] ?? literal[2] ?? '';
      if (!PATH.test(choice)) throw new TemplateError(`${what}: "\${${expression}}" is not a valid placeholder`);
      const value = lookup(values, choice);
      if (value !== undefined && value !== null && value !== '') return String(value);
    }
    throw new TemplateError(`${what} needs ${choices.join(' or ')}, which the connection does not have`);
  });
}

/** The names a template uses, e.g. to tell a connect form which config fields a base URL needs. */
export function templateNames(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    for (const choice of (match[1] ?? '').split('||').map((c) => c.trim())) if (PATH.test(choice)) names.push(choice);
  }
  return names;
}

function lookup(values: TemplateValues, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
