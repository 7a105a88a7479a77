/**
 * An action's input and output against its zod schemas. Checked by `safeParse` only, never by
 * `instanceof`: a script may bundle its own copy of zod.
 */
import type * as z from 'zod';
import type { DeclaredAction } from '../script-definition.js';
import type { FieldError } from './action-errors.js';

export type SchemaCheck = { ok: true; data: unknown } | { ok: false; errors: FieldError[] };

/**
 * The input as the script receives it (zod's output: defaults applied, unknown keys stripped).
 * Nango hands an old-style script no input for `{}`: a schema that takes no input (`z.void()`,
 * an optional one) accepts `{}`, null or nothing; a missing input is tried as `{}` too, so an
 * object schema whose fields are all optional needs no body.
 */
export function parseActionInput(action: Pick<DeclaredAction, 'input'>, input: unknown): SchemaCheck {
  const schema = action.input as z.ZodType | undefined;
  if (!schema) return { ok: true, data: input };
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, data: parsed.data };
  if (isEmptyInput(input)) {
    for (const fallback of [undefined, {}]) {
      const retried = schema.safeParse(fallback);
      if (retried.success) return { ok: true, data: retried.data };
    }
  }
  return { ok: false, errors: fieldErrors('input', parsed.error.issues) };
}

/** The output against the action's `output` schema; the output itself is what the script returned. */
export function checkActionOutput(action: Pick<DeclaredAction, 'output'>, output: unknown): SchemaCheck {
  const schema = action.output as z.ZodType | undefined;
  if (!schema) return { ok: true, data: output };
  const parsed = schema.safeParse(output);
  // An action that returns nothing under a `z.void()` (or optional) schema has nothing to check.
  if (parsed.success || (output === null && schema.safeParse(undefined).success)) return { ok: true, data: output };
  return { ok: false, errors: fieldErrors('output', parsed.error.issues) };
}

function isEmptyInput(input: unknown): boolean {
  return input === undefined || input === null || (typeof input === 'object' && !Array.isArray(input) && Object.keys(input).length === 0);
}

function fieldErrors(root: string, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({ path: [root, ...issue.path.map(String)].join('.'), message: issue.message, code: issue.code }));
}
