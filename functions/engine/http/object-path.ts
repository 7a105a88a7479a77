/**
 * Dot paths into JSON values, as Nango's pagination reads them (lodash `get`/`set` semantics):
 * `meta.next_cursor`, `data[0].id`, `variables.after`.
 */
import { ProxyConfigError } from './errors.js';

/** Segments that would reach an object's prototype instead of a field of its own. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Read a dot path (`meta.next_cursor`, `data[0].id`) like lodash `get`: a key that itself
 * contains dots wins when present, so Microsoft Graph's `@odata.nextLink` works as a path.
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, path)) return record[path];
  const parts = splitPath(path);
  for (let i = parts.length - 1; i >= 1; i--) {
    const head = parts.slice(0, i).join('.');
    if (Object.hasOwn(record, head)) return getPath(record[head], parts.slice(i).join('.'));
  }
  return undefined;
}

/**
 * A copy of `target` with `value` at `path`, like lodash `set` (a missing or non-object step
 * becomes an object, or an array when the next segment is an index) but without touching
 * `target`: every object on the path is copied, everything beside it is shared.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = splitPath(path);
  if (parts.some((part) => part === '' || FORBIDDEN_SEGMENTS.has(part))) {
    throw new ProxyConfigError(`'${path}' is not a usable parameter name: empty segments and __proto__, prototype or constructor are refused`);
  }
  return setParts(target, parts, value) as Record<string, unknown>;
}

function setParts(node: unknown, parts: string[], value: unknown): unknown {
  const [head, ...rest] = parts as [string, ...string[]];
  const copy = (Array.isArray(node) ? [...node] : node !== null && typeof node === 'object' ? { ...node } : /^\d+$/.test(head) ? [] : {}) as Record<string, unknown>;
  copy[head] = rest.length === 0 ? value : setParts(copy[head], rest, value);
  return copy;
}

function splitPath(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, '.$1').split('.');
}
