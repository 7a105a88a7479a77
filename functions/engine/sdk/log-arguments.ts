/**
 * `nango.log(...)` takes Nango's argument shapes: `log(message)`, `log(message, { level })`,
 * `log(message, payload)` and `log(message, payload, { level })`. Objects are logged as JSON;
 * level `off` logs nothing.
 */
import type { LogLevel } from '../ports.js';

const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'off']);

export function parseLogArguments(args: unknown[]): { level: LogLevel; message: string } | null {
  const [message, second, third] = args;
  let level: unknown = 'info';
  const parts = [stringify(message)];
  if (args.length >= 3) {
    parts.push(stringify(second));
    if (isOptions(third)) level = third.level;
    else parts.push(stringify(third));
    for (const extra of args.slice(3)) parts.push(stringify(extra));
  } else if (args.length === 2) {
    // A lone `{ level }` is options; any other second argument is a payload.
    if (isOptions(second) && Object.keys(second).length === 1) level = second.level;
    else parts.push(stringify(second));
  }
  if (level === 'off') return null;
  return { level: (LEVELS.has(String(level)) ? level : 'info') as LogLevel, message: parts.join(' ') };
}

function isOptions(value: unknown): value is { level: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'level' in value && LEVELS.has(String((value as { level: unknown }).level));
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
