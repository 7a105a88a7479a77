/**
 * Demo CRM notes in the older Nango form — `export default async function fetchData(nango)`
 * with its nango.yaml config beside it (see ../index.ts) — as an incremental sync: each run
 * asks only for notes changed since the last successful run.
 */
import type { NangoSync } from 'nango';
import type { Note } from '../models.js';

interface ApiNote {
  id: string;
  contactId: string;
  text: string;
  createdAt: string;
  updatedAt: string;
}

export default async function fetchData(nango: NangoSync): Promise<void> {
  const since = nango.lastSyncDate?.toISOString();
  for await (const page of nango.paginate<ApiNote>({
    endpoint: '/notes',
    params: since ? { updated_since: since } : {},
    retries: 5,
    paginate: { type: 'offset', offset_name_in_request: 'offset', limit: 100, limit_name_in_request: 'limit', response_path: 'data' },
  })) {
    const notes: Note[] = page.map((n) => ({ id: n.id, contact_id: n.contactId, body: n.text, created_at: n.createdAt, updated_at: n.updatedAt }));
    await nango.batchSave(notes, 'Note');
  }
}
