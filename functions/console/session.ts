/**
 * Who is signed in: the API key (sessionStorage `syncline.apiKey`, see `api.ts`) and what it may
 * do, from `GET /api-keys/current`. Pages ask `canWrite(area)` before showing a control that
 * changes something, so a restricted key sees a read-only console rather than buttons that 403.
 * The API still checks every call; this only keeps the UI honest.
 */
import { createContext, createElement, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { apiCall, readApiKey, writeApiKey } from './api.js';

export type Area = 'records' | 'syncs' | 'connections' | 'integrations' | 'webhooks' | 'proxy' | 'actions';

export interface CurrentKey {
  id: string;
  name: string;
  scopes: string[];
}

export interface Session {
  apiKey: string;
  name: string;
  scopes: string[];
  canWrite(area: Area): boolean;
  canRead(area: Area): boolean;
  isFull: boolean;
  signOut(): void;
}

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};

/** Stores a key the caller has verified (`GET /api-keys/current`), and tells the shell. */
export function signIn(apiKey: string): void {
  writeApiKey(apiKey);
  notify();
}

export function signOut(): void {
  writeApiKey(null);
  notify();
}

/** The stored key, re-read whenever someone signs in or out. */
export function useStoredApiKey(): string | null {
  const [key, setKey] = useState(readApiKey);
  useEffect(() => {
    const listener = () => setKey(readApiKey());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return key;
}

/** What the key's API answers for itself. */
export function fetchCurrentKey(): Promise<CurrentKey> {
  return apiCall<CurrentKey>('GET', '/api-keys/current');
}

export function makeSession(apiKey: string, current: CurrentKey): Session {
  const scopes = current.scopes;
  const isFull = scopes.includes('full');
  const canWrite = (area: Area) => isFull || scopes.includes(`${area}:write`);
  return {
    apiKey,
    name: current.name,
    scopes,
    isFull,
    canWrite,
    canRead: (area) => canWrite(area) || scopes.includes(`${area}:read`),
    signOut,
  };
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ComponentChildren }) {
  return createElement(SessionContext.Provider, { value: session }, children);
}

/** The signed-in session; only pages rendered by the shell after sign-in call this. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside the signed-in shell');
  return session;
}
