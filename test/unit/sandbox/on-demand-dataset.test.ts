/**
 * The demo CRM sandbox's on-demand mode (a benchmark's million contacts): contacts generated
 * from their id on every read, the same each time, with changes, deletions and later additions
 * held beside them, and pages in id order.
 */
import { describe, expect, it } from 'vitest';
import { SandboxDataset } from '../../../integrations/demo-crm/sandbox/dataset.js';

const EPOCH = Date.parse('2025-01-01T00:00:00Z');
const dataset = (initialContacts: number, adds = 0, updates = 0, deletes = 0) =>
  new SandboxDataset({ seed: 7, epoch: EPOCH, tickMs: 60_000, initialContacts, aboutBytes: 300, onDemand: true, adds, updates, deletes });

describe('on-demand sandbox dataset', () => {
  it('generates each starting contact from its id, identically on every read and in every dataset with the seed', () => {
    const a = dataset(100_000);
    a.advanceTo(EPOCH);
    const b = dataset(100_000);
    b.advanceTo(EPOCH);
    expect(a.contacts.size).toBe(100_000);
    expect(a.contacts.get(54_321)).toEqual(a.contacts.get(54_321));
    expect(a.contacts.get(54_321)).toEqual(b.contacts.get(54_321));
    expect(a.contacts.get(54_321)!.properties.about).toHaveLength(300);
    expect(a.contacts.get(1)!.properties.email).not.toBe(a.contacts.get(2)!.properties.email);
    expect(a.contacts.get(100_001)).toBeUndefined();
  });

  it('keeps changes, deletions and new contacts, and pages in id order after any id', () => {
    const d = dataset(1_000, 2, 3, 1);
    d.advanceTo(EPOCH + 5 * 60_000);
    expect(d.contacts.size).toBe(1_000 + 5 * 2 - 5 * 1);
    const changed = [...d.contacts.values()].filter((c) => c.updatedAt !== c.createdAt);
    expect(changed.length).toBeGreaterThan(0);
    for (const c of changed) expect(d.contacts.get(c.id)).toEqual(c); // held, not regenerated
    const page = d.contacts.page(995, 8).map((c) => c.id);
    expect(page).toEqual([...d.contacts.keys()].filter((id) => id > 995).slice(0, 8));
    expect(page[page.length - 1]).toBeGreaterThan(1_000); // the later additions follow the generated range
  });
});
