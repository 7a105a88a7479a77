/**
 * A records page as it goes out: gzipped when the client accepts it, and never past the cap on
 * what is sent — the JSON text, or the gzipped bytes as base64 (how API Gateway carries them to
 * and from Lambda), so a gzipped page may hold much more JSON than the cap.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip, recordsPageBody, recordsPageJson, toNangoRecordJson } from '../../../functions/api/routes/records.page.js';
import type { StoredRecord } from '../../../functions/engine/ports.js';
import { nangoRecordMetadata } from '../../../functions/engine/records/nango-record.js';

const record = (id: string, text = 'lorem ipsum '.repeat(80)): StoredRecord => {
  const payload = { id, text };
  return { id, payload, payloadJson: JSON.stringify(payload), firstSeenAt: 0, lastModifiedAt: 1, lastAction: 'UPDATED', deletedAt: null, prunedAt: null, version: 1, cursor: `cursor-${id}` };
};
const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

describe('toNangoRecordJson', () => {
  it('carries the metadata as nangoRecordMetadata shapes it, field for field and in order', () => {
    const r = { ...record('1'), deletedAt: 1_700_000_000_000, prunedAt: 1_700_000_000_001, cursor: 'we"ird\\' };
    expect(toNangoRecordJson(r)).toBe(JSON.stringify({ ...r.payload, _nango_metadata: nangoRecordMetadata(r) }));
  });
});

describe('recordsPageBody', () => {
  it('is the JSON text when the client does not take gzip', async () => {
    const records = [record('1'), record('2')];
    const page = await recordsPageBody(records, 'next', { gzip: false });
    expect(page.contentEncoding).toBeUndefined();
    expect(page.body).toBe(recordsPageJson(records, 'next'));
  });

  it('is the same JSON gzipped when the client takes it', async () => {
    const records = [record('1'), record('2')];
    const page = await recordsPageBody(records, null, { gzip: true });
    expect(page.contentEncoding).toBe('gzip');
    expect(gunzipSync(page.body as Uint8Array).toString('utf8')).toBe(recordsPageJson(records, null));
  });

  it('holds more JSON than the cap when gzipped, and ends where the sent bytes would pass it', async () => {
    const records = Array.from({ length: 400 }, (_, i) => record(String(i)));
    const maxBytes = 20_000;
    const plain = JSON.parse(recordsPageJson(records, 'next', maxBytes));
    expect(plain.records.length).toBeLessThan(25); // ~1 KB each

    const page = await recordsPageBody(records, 'next', { gzip: true, maxBytes });
    const bytes = (page.body as Uint8Array).byteLength;
    expect(base64Length(bytes)).toBeLessThanOrEqual(maxBytes);
    const json = gunzipSync(page.body as Uint8Array).toString('utf8');
    expect(Buffer.byteLength(json)).toBeGreaterThan(maxBytes);
    const body = JSON.parse(json);
    expect(body.records.length).toBeGreaterThan(plain.records.length);
    if (body.records.length < records.length) expect(body.next_cursor).toBe(`cursor-${body.records.length - 1}`);
  });

  it('cuts a gzipped page that compresses poorly until what is sent fits', async () => {
    // Random bytes in base64: gzip gets them down to about the bytes they stand for, no further.
    const records = Array.from({ length: 200 }, (_, i) => record(String(i), randomBytes(600).toString('base64')));
    const maxBytes = 30_000;
    const page = await recordsPageBody(records, null, { gzip: true, maxBytes });
    expect(base64Length((page.body as Uint8Array).byteLength)).toBeLessThanOrEqual(maxBytes);
    const body = JSON.parse(gunzipSync(page.body as Uint8Array).toString('utf8'));
    expect(body.records.length).toBeGreaterThan(0);
    expect(body.records.length).toBeLessThan(records.length);
    expect(body.next_cursor).toBe(`cursor-${body.records.length - 1}`);
  });

  it('counts UTF-8 bytes, not characters, against the cap', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(String(i), 'é€'.repeat(100)));
    const body = recordsPageJson(records, null, 2_000);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(2_000);
    expect(JSON.parse(body).records.length).toBeGreaterThan(0);
  });
});

describe('acceptsGzip', () => {
  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, GZIP;q=0.5', true],
    ['x-gzip', true],
    ['*', true],
    ['identity', false],
    ['gzip;q=0', false],
    ['*, gzip;q=0', false],
    ['deflate, br', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
