/**
 * Connection tags, Nango's replacement for `end_user`: at most 10 string pairs that say whom a
 * connection belongs to (`end_user_id`, `organization_id`, anything else the app wants). The
 * rules are Nango's (its `Tags` schema and tag service): keys start with a letter and hold
 * letters, digits, `_ - . /`, at most 64 characters, and are stored lower-cased (two keys
 * equal but for case are refused); values are 1–255 characters, kept as given (they may be
 * case-sensitive ids); `end_user_email` must be an email.
 *
 * The deprecated `end_user` object maps onto tags as Nango's migration guide says:
 * `id` → `end_user_id`, `email` → `end_user_email`, `display_name` → `end_user_display_name`,
 * `tags` merged in; explicit tags win over mapped ones.
 */
import * as z from 'zod';

export type ConnectionTags = Record<string, string>;

export const TAG_MAX_COUNT = 10;
export const TAG_KEY_MAX_LENGTH = 64;
export const TAG_VALUE_MAX_LENGTH = 255;

const TAG_KEY = /^[a-zA-Z][a-zA-Z0-9_\-./]*$/;

export const ConnectionTagKey = z
  .string()
  .max(TAG_KEY_MAX_LENGTH, `tag keys have at most ${TAG_KEY_MAX_LENGTH} characters`)
  .regex(TAG_KEY, 'tag keys start with a letter and hold only letters, digits, "_", "-", "." or "/"');

export const ConnectionTagValue = z.string().min(1).max(TAG_VALUE_MAX_LENGTH, `tag values have at most ${TAG_VALUE_MAX_LENGTH} characters`);

/** Tags as a client sends them; the output has its keys lower-cased. */
export const ConnectionTagsSchema = z
  .record(ConnectionTagKey, ConnectionTagValue)
  .superRefine((tags, ctx) => {
    const entries = Object.entries(tags);
    if (entries.length > TAG_MAX_COUNT) ctx.addIssue({ code: 'custom', message: `at most ${TAG_MAX_COUNT} tags` });
    const seen = new Set<string>();
    for (const [key, value] of entries) {
      const normalized = key.toLowerCase();
      if (seen.has(normalized)) ctx.addIssue({ code: 'custom', path: [key], message: `tag key "${normalized}" is given twice (keys are lower-cased)` });
      seen.add(normalized);
      if (normalized === 'end_user_email' && !z.email().safeParse(value).success) ctx.addIssue({ code: 'custom', path: [key], message: 'the end_user_email tag must be an email address' });
    }
  })
  .transform((tags): ConnectionTags => Object.fromEntries(Object.entries(tags).map(([key, value]) => [key.toLowerCase(), value])))
  .meta({ description: 'Connection tags: at most 10; keys start with a letter (letters, digits, _ - . /, ≤64) and are lower-cased; values 1–255 characters' });

/** Nango's deprecated `end_user` input; its fields become tags. */
export const EndUserInput = z
  .object({
    id: z.string().min(1).max(255),
    email: z.email().min(5).optional(),
    display_name: z.string().max(255).optional(),
    tags: z.record(z.string(), z.string().max(64)).optional(),
  })
  .strict()
  .meta({ deprecated: true, description: 'Deprecated: use tags. Mapped to the tags end_user_id, end_user_email, end_user_display_name, plus its own tags' });

export type EndUser = z.output<typeof EndUserInput>;

/**
 * The tags a deprecated `end_user` stands for, merged under the explicit `tags` (which win),
 * then validated like any tags. Like Nango, an end user's own tag with an unusable key is
 * skipped, and its own tags are dropped when they would take the total over the limit.
 */
export function mergeEndUserTags(endUser: EndUser | undefined, tags: ConnectionTags | undefined): z.ZodSafeParseResult<ConnectionTags> {
  const mapped: ConnectionTags = {};
  if (endUser) {
    mapped['end_user_id'] = endUser.id;
    if (endUser.email) mapped['end_user_email'] = endUser.email;
    if (endUser.display_name) mapped['end_user_display_name'] = endUser.display_name;
    const own = Object.entries(endUser.tags ?? {})
      .map(([key, value]) => [key.toLowerCase(), value] as const)
      .filter(([key, value]) => ConnectionTagKey.safeParse(key).success && value !== '');
    const withOwn = { ...mapped, ...Object.fromEntries(own) };
    if (Object.keys(withOwn).length <= TAG_MAX_COUNT) Object.assign(mapped, withOwn);
  }
  return ConnectionTagsSchema.safeParse({ ...mapped, ...tags });
}

/** Nango's deprecated `end_user` view of a connection, derived from its tags; null without `end_user_id`. */
export function endUserFromTags(tags: ConnectionTags): {
  id: string;
  email: string | null;
  display_name: string | null;
  tags: null;
  organization: { id: string; display_name: string | null } | null;
} | null {
  const id = tags['end_user_id'];
  if (!id) return null;
  const organizationId = tags['organization_id'];
  return {
    id,
    email: tags['end_user_email'] ?? null,
    display_name: tags['end_user_display_name'] ?? null,
    tags: null,
    organization: organizationId ? { id: organizationId, display_name: tags['organization_display_name'] ?? null } : null,
  };
}
