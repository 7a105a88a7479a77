/**
 * Syncline's provider catalog: every entry under `catalog/`, validated once at load. A broken
 * entry fails start-up (and `cdk synth`) with its name and the field at fault.
 */
import * as z from 'zod';
import { CATALOG_ENTRIES } from './catalog/index.js';
import { parseProvider, type Provider, type ProviderInput } from './provider.js';

export class UnknownProviderError extends Error {
  override readonly name = 'UnknownProviderError';
}

function load(entries: ProviderInput[]): Map<string, Provider> {
  const byName = new Map<string, Provider>();
  for (const entry of entries) {
    const parsed = (() => {
      try {
        return parseProvider(entry);
      } catch (error) {
        throw new Error(`provider catalog entry "${entry.name ?? '?'}" is invalid: ${error instanceof z.ZodError ? z.prettifyError(error) : String(error)}`);
      }
    })();
    if (!parsed.name || !parsed.displayName || !parsed.docs) throw new Error(`provider catalog entry "${parsed.name ?? '?'}" needs a name, a displayName and the docs page it was written from`);
    if (byName.has(parsed.name)) throw new Error(`provider catalog entry "${parsed.name}" is declared twice`);
    byName.set(parsed.name, parsed);
  }
  return byName;
}

const catalog = load(CATALOG_ENTRIES);

/** Every catalog provider, by name. */
export function listProviders(): Provider[] {
  return [...catalog.values()].sort((a, b) => a.name!.localeCompare(b.name!));
}

export function findProvider(name: string): Provider | undefined {
  return catalog.get(name);
}

/** The catalog entry, or an error naming the closest names. */
export function catalogProvider(name: string): Provider {
  const found = catalog.get(name);
  if (found) return found;
  const close = [...catalog.keys()].filter((n) => n.startsWith(name.slice(0, 3))).slice(0, 5);
  throw new UnknownProviderError(`"${name}" is not in the provider catalog${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}; declare the provider inline instead`);
}
