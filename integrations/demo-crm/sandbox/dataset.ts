/**
 * The demo CRM's data as a pure function of time: a seeded starting set, then every tick adds,
 * changes and deletes a few contacts and writes notes. Replaying ticks from a fixed epoch
 * makes the dataset the same after a restart, and lets tests pin any moment.
 */
import { ContactTable } from './contact-table.js';

export interface SandboxContact {
  id: number;
  properties: { firstname: string; lastname: string; email: string; company: string | null; phone: string | null; lifecyclestage: 'subscriber' | 'lead' | 'opportunity' | 'customer'; about?: string };
  createdAt: string;
  updatedAt: string;
}

export interface SandboxNote {
  id: string;
  contactId: string;
  text: string;
  createdAt: string;
  updatedAt: string;
}

export interface DatasetOptions {
  seed: number;
  /** When tick 0 happened, ms. */
  epoch: number;
  tickMs: number;
  initialContacts: number;
  /** Size of each contact's `about` text; 0 leaves it out. */
  aboutBytes: number;
  /**
   * Generate the starting contacts from their id whenever they are read instead of holding them
   * (a benchmark's million); only contacts changed or added later are held. Off by default: the
   * demo's data then comes from one random stream per tick, as it always has.
   */
  onDemand?: boolean;
  /** Per tick. */
  adds: number;
  updates: number;
  deletes: number;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Linus', 'Radia', 'Tim', 'Frances', 'John'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Hamilton', 'Torvalds', 'Perlman', 'Berners-Lee', 'Allen', 'McCarthy'];
const COMPANIES = ['Initech', 'Globex', 'Umbrella', 'Hooli', 'Stark Industries', null];
const STAGES = ['subscriber', 'lead', 'opportunity', 'customer'] as const;
const WORDS = 'syncs records cursors webhooks pipelines customers renewals meetings pricing onboarding integrations'.split(' ');

/** The text on-demand contacts take their `about` from. */
const ABOUT_POOL_BYTES = 64 * 1024;

/** mulberry32: small, fast, good enough for demo data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class SandboxDataset {
  readonly contacts = new ContactTable();
  readonly notes = new Map<string, SandboxNote>();
  private tick = -1;
  private nextContactId = 1;
  private nextNoteId = 1;
  private aboutPool: string | undefined;

  constructor(readonly options: DatasetOptions) {}

  /** Brings the data to the given moment (ticks only move forward). */
  advanceTo(now: number): void {
    const target = Math.max(0, Math.floor((now - this.options.epoch) / this.options.tickMs));
    while (this.tick < target) this.applyTick(this.tick + 1);
  }

  currentTick(): number {
    return this.tick;
  }

  private applyTick(tick: number): void {
    const random = prng(this.options.seed * 1_000_003 + tick);
    const at = new Date(this.options.epoch + tick * this.options.tickMs).toISOString();
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const live = () => [...this.contacts.keys()];
    if (tick === 0 && this.options.onDemand) {
      this.contacts.generateRange(this.options.initialContacts, (id) => this.generateContact(id, at));
      this.nextContactId = this.options.initialContacts + 1;
      for (let id = 1; id <= Math.min(20, this.options.initialContacts); id++) this.addNote(id, random, at, pick);
    } else if (tick === 0) {
      for (let i = 0; i < this.options.initialContacts; i++) this.addContact(random, at, pick);
      for (const id of live().slice(0, Math.min(20, this.options.initialContacts))) this.addNote(id, random, at, pick);
    } else {
      for (let i = 0; i < this.options.adds; i++) this.addContact(random, at, pick);
      for (let i = 0; i < this.options.updates; i++) {
        const id = pick(live());
        const contact = this.contacts.get(id);
        if (!contact) continue;
        // A new object set back, since a generated contact is not held.
        this.contacts.set(id, { ...contact, properties: { ...contact.properties, lifecyclestage: pick(STAGES), phone: `+351 21 ${Math.floor(random() * 900_000 + 100_000)}` }, updatedAt: at });
      }
      for (let i = 0; i < this.options.deletes && this.contacts.size > 1; i++) this.contacts.delete(pick(live()));
      const ids = live();
      if (ids.length > 0) this.addNote(pick(ids), random, at, pick);
      const notes = [...this.notes.values()];
      if (notes.length > 0) {
        const note = pick(notes);
        note.text = `${note.text} (edited)`;
        note.updatedAt = at;
      }
    }
    this.tick = tick;
  }

  /**
   * A contact created through the API (the demo's `create-contact` action). It takes the next id,
   * so the dataset is no longer a pure function of time once one is created; created contacts
   * live in memory only and are gone after a restart. Null when the email is taken.
   */
  createContact(properties: SandboxContact['properties'], at: string): SandboxContact | null {
    const email = properties.email.toLowerCase();
    for (const contact of this.contacts.values()) if (contact.properties.email.toLowerCase() === email) return null;
    const contact: SandboxContact = { id: this.nextContactId++, properties: { ...properties }, createdAt: at, updatedAt: at };
    this.contacts.set(contact.id, contact);
    return contact;
  }

  private addContact(random: () => number, at: string, pick: <T>(list: readonly T[]) => T): void {
    const id = this.nextContactId++;
    this.contacts.set(id, this.makeContact(id, random, at, pick, sentence));
  }

  /** A starting contact of an on-demand dataset: a pure function of the seed and its id. */
  private generateContact(id: number, at: string): SandboxContact {
    const random = prng(Math.imul(this.options.seed, 0x9e3779b1) ^ Math.imul(id, 0x85ebca6b));
    return this.makeContact(
      id,
      random,
      at,
      (list) => list[Math.floor(random() * list.length)]!,
      (r, bytes) => this.aboutFromPool(r, bytes),
    );
  }

  /**
   * A slice of one seeded text at a random offset: as varied as `sentence` for a reader or a
   * compressor, but served a million times without building a million strings word by word.
   */
  private aboutFromPool(random: () => number, bytes: number): string {
    this.aboutPool ??= sentence(prng(this.options.seed), Math.max(ABOUT_POOL_BYTES, bytes * 4));
    const start = Math.floor(random() * (this.aboutPool.length - bytes));
    return this.aboutPool.slice(start, start + bytes);
  }

  private makeContact(id: number, random: () => number, at: string, pick: <T>(list: readonly T[]) => T, writeAbout: (random: () => number, bytes: number) => string): SandboxContact {
    const first = pick(FIRST);
    const last = pick(LAST);
    const about = this.options.aboutBytes > 0 ? writeAbout(random, this.options.aboutBytes) : undefined;
    return {
      id,
      properties: {
        firstname: first,
        lastname: last,
        email: `${first}.${last}.${id}@example.com`.toLowerCase(),
        company: pick(COMPANIES),
        phone: random() < 0.3 ? null : `+351 21 ${Math.floor(random() * 900_000 + 100_000)}`,
        lifecyclestage: pick(STAGES),
        ...(about === undefined ? {} : { about }),
      },
      createdAt: at,
      updatedAt: at,
    };
  }

  private addNote(contactId: number, random: () => number, at: string, pick: <T>(list: readonly T[]) => T): void {
    const id = `note-${this.nextNoteId++}`;
    this.notes.set(id, { id, contactId: String(contactId), text: `Talked about ${pick(WORDS)} and ${pick(WORDS)}.`, createdAt: at, updatedAt: at });
    void random;
  }
}

function sentence(random: () => number, bytes: number): string {
  let text = '';
  while (text.length < bytes) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return text.slice(0, bytes);
}
