/**
 * `npm run compat` on Nango-layout folders: the fixture project (one sync per script style, an
 * action, an on-event script) loads and type-checks clean under its own tsconfig; a folder with a
 * sync Syncline cannot schedule, or one importing a package that is not installed, is rejected
 * naming the file and the reason, while its good scripts still load.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompatResult, formatCompat, runCompat } from '../../../functions/local/compat/compat.js';

const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/nango-project', import.meta.url));

describe('compat on the Nango fixture project', () => {
  it('loads every sync and the action, skips the on-event script, and finds no type error', async () => {
    const result = await runCompat(FIXTURE_DIR);

    expect(result.rows.map((row) => ({ script: `${row.integration}/${row.name}`, kind: row.kind, status: row.status }))).toEqual([
      { script: 'crm-lite/companies', kind: 'sync', status: 'loaded' },
      { script: 'helpdesk/agents', kind: 'sync', status: 'loaded' },
      { script: 'helpdesk/tickets', kind: 'sync', status: 'loaded' },
      { script: 'helpdesk/close-ticket', kind: 'action', status: 'loaded' },
      { script: 'helpdesk/validate-api-key', kind: 'onEvent', status: 'skipped' },
      { script: 'ledger/invoices', kind: 'sync', status: 'loaded' },
      { script: 'linear/issues', kind: 'sync', status: 'loaded' },
      { script: 'slack-workspace/users', kind: 'sync', status: 'loaded' },
    ]);
    expect(result.rows.flatMap((row) => row.typeErrors)).toEqual([]);
    expect(result.summary).toEqual({ loaded: 7, typeErrors: 0, rejected: 0, skipped: 1, total: 8 });
    expect(result.syncs).toEqual({ total: 6, loaded: 6, typeClean: 6 });
    expect(result.actions).toEqual({ total: 1, loaded: 1, typeClean: 1 });
    expect(result.notes).toEqual([]);
  }, 60_000);
});

const SYNC_HEADER = "import { createSync } from 'nango';\nimport { z } from 'zod';\n";
const syncSource = (frequency: string, extraImport = '') => `${SYNC_HEADER}${extraImport}
export default createSync({
    description: 'Tasks of the workspace',
    frequency: '${frequency}',
    models: { Task: z.object({ id: z.string(), name: z.string() }) },
    exec: async (nango) => {
        const response = await nango.get<{ data: { gid: string; name: string }[] }>({ endpoint: '/api/1.0/tasks' });
        await nango.batchSave(response.data.data.map((task) => ({ id: task.gid, name: task.name })), 'Task');
    }
});
`;

describe('compat on a folder with broken scripts', () => {
  let dir = '';
  let result: CompatResult;
  const script = (name: string) => join(dir, 'asana', 'syncs', `${name}.ts`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncline-compat-'));
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    await copyFile(join(FIXTURE_DIR, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    await mkdir(dirname(script('tasks')), { recursive: true });
    await writeFile(script('tasks'), syncSource('every hour'));
    await writeFile(script('reminders'), syncSource('every 10 seconds'));
    // getCheckpoint() is typed by the checkpoint schema: reading `page` as a string is a type error.
    await writeFile(
      script('projects'),
      `${SYNC_HEADER}export default createSync({
    description: 'Projects',
    frequency: 'every hour',
    checkpoint: z.object({ page: z.number() }),
    models: { Project: z.object({ id: z.string() }) },
    exec: async (nango) => {
        const checkpoint = await nango.getCheckpoint();
        const page: string = checkpoint?.page ?? '';
        await nango.log(page);
    }
});
`,
    );
    await writeFile(script('soap-orders'), syncSource('every hour', "import { createClientAsync } from 'soap';\nexport const client = createClientAsync;\n"));
    result = await runCompat(dir);
  }, 60_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the good sync', () => {
    expect(result.rows.find((row) => row.file === script('tasks'))).toMatchObject({ integration: 'asana', name: 'tasks', status: 'loaded', typeErrors: [] });
  });

  it('rejects a frequency EventBridge Scheduler cannot run, naming the file and the reason', () => {
    const row = result.rows.find((r) => r.name === 'reminders');
    expect(row).toMatchObject({ file: script('reminders'), status: 'rejected' });
    expect(row?.reason).toBe('sync "reminders": frequency "every 10 seconds" is shorter than the 1-minute minimum of EventBridge Scheduler');
  });

  it('rejects a script importing a package that is not installed, naming the package', () => {
    const row = result.rows.find((r) => r.name === 'soap-orders');
    expect(row).toMatchObject({ file: script('soap-orders'), status: 'rejected' });
    expect(row?.reason).toContain('"soap"');
  });

  it("reports a type error against Syncline's nango types with its file and line", () => {
    const row = result.rows.find((r) => r.name === 'projects');
    expect(row).toMatchObject({ status: 'loaded' });
    expect(row?.typeErrors).toEqual([expect.objectContaining({ file: script('projects'), line: 10, message: expect.stringMatching(/^TS2322: .*Type 'number' is not assignable to type 'string'/) })]);
  });

  it('counts them in the summary and lists them in the report', () => {
    expect(result.summary).toMatchObject({ loaded: 2, typeErrors: 1, rejected: 2, total: 4 });
    const report = formatCompat(result);
    expect(report).toContain('rejected');
    expect(report).toContain('asana/syncs/reminders');
    expect(report).toContain('asana/syncs/soap-orders');
  });
});
