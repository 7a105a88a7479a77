/**
 * Hash routing: `#/connections/github/acme?search=x`. The hash keeps every console URL on the
 * one page the API serves at `/`, so no server route per page and no history fallback.
 *
 * Paths are matched against `ROUTE_PATTERNS` (`:name` is one segment, URL-decoded into
 * `params`). Build links with `pathOf(pattern, params)` so ids with `/`, `#` or `?` survive.
 */
import { createElement, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type Route = { path: string; params: Record<string, string>; query: URLSearchParams; pattern?: string };

/** Every page's path; `main.tsx` maps each to its component. */
export const ROUTE_PATTERNS = ['/', '/connections', '/connections/:providerConfigKey/:connectionId', '/executions', '/records', '/webhooks', '/reference', '/connect'] as const;
export type RoutePattern = (typeof ROUTE_PATTERNS)[number];

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart = '/', search = ''] = splitOnce(raw, '?');
  const path = pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  const query = new URLSearchParams(search);
  for (const pattern of ROUTE_PATTERNS) {
    const params = matchPattern(pattern, path);
    if (params) return { path, params, query, pattern };
  }
  return { path, params: {}, query };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index]!;
    if (part.startsWith(':')) params[part.slice(1)] = safeDecode(actual);
    else if (part !== actual) return null;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A pattern with its parameters filled in, each encoded: `pathOf('/connections/:providerConfigKey/:connectionId', {...})`. */
export function pathOf(pattern: RoutePattern, params: Record<string, string> = {}): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** `#/path?query`; undefined and empty query values are left out. */
export function hrefTo(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return `#${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`;
}

export function navigate(path: string, query?: Record<string, string | undefined>): void {
  const target = hrefTo(path, query);
  if (location.hash === target) return;
  location.hash = target;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function Link({ to, query, children, class: className }: { to: string; query?: Record<string, string | undefined>; children: ComponentChildren; class?: string }) {
  return createElement('a', { href: hrefTo(to, query), class: className }, children);
}
