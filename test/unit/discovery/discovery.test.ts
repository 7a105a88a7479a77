/**
 * Discovery finds integrations from folders: the Syncline form (`index.ts`) and Nango's layout
 * (`<id>/syncs/<name>.ts`), with the provider from the catalog or `syncline.json`, and refuses
 * what cannot run with the file and the reason.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscoveryError } from '../../../functions/discovery/assemble.js';
import { discoverIntegrations, discoverProject } from '../../../functions/discovery/discover.js';
import { writeStaticRegistry } from '../../../functions/discovery/static-registry.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';

const SYNC = (frequency = 'every hour', model = 'Thing') => `import { createSync } from 'nango';
import * as z from 'zod';
export default createSync({
  description: 'things',
  frequency: '${frequency}',
  autoStart: true,
  models: { ${model}: z.object({ id: z.string() }) },
  exec: async (nango) => { await nango.batchSave([{ id: '1' }], '${model}'); },
});
`;
const ACTION = `import { createAction } from 'nango';
import * as z from 'zod';
export default createAction({ description: 'a', input: z.object({}), output: z.object({ ok: z.boolean() }), exec: async () => ({ ok: true }) });
`;

let root = '';
async function project(files: Record<string, string>): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'syncline-discovery-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('discovery', () => {
  it('takes the integration id from the folder and the sync name from the file; actions are declared to run', async () => {
    const dir = await project({
      'github/syncs/issues.ts': SYNC(),
      'github/syncs/pull-requests.ts': SYNC('every day', 'PullRequest'),
      'github/actions/create-issue.ts': ACTION,
      'github/helpers/x.ts': 'export const x = 1;',
    });
    const project_ = await discoverProject([dir]);
    expect(project_.problems).toEqual([]);
    expect(project_.declarations.map((d) => [d.providerConfigKey, d.provider, Object.keys(d.syncs)])).toEqual([['github', 'github', ['issues', 'pull-requests']]]);
    expect(project_.reports.find((r) => r.kind === 'action')).toMatchObject({ name: 'create-issue', status: 'loaded' });
    const registry = new IntegrationRegistry(project_.declarations);
    expect([...registry.get('github')!.actions.keys()]).toEqual(['create-issue']);
    expect(registry.getSync('github', 'pull-requests')?.frequencyMs).toBe(86_400_000);
  });

  it('declares an integration whose folder has actions and no sync, so its actions can run', async () => {
    const dir = await project({ 'github/actions/create-issue.ts': ACTION });
    const project_ = await discoverProject([dir]);
    expect(project_.problems).toEqual([]);
    expect(project_.declarations.map((d) => [d.providerConfigKey, Object.keys(d.syncs), Object.keys(d.actions ?? {})])).toEqual([['github', [], ['create-issue']]]);
  });

  it('maps an integration id to a catalog provider, with overrides, through syncline.json', async () => {
    const dir = await project({
      'hubspot-sandbox/syncs/contacts.ts': SYNC(),
      'syncline.json': JSON.stringify({ integrations: { 'hubspot-sandbox': { provider: 'hubspot', overrides: { baseUrl: 'http://127.0.0.1:9' } } } }),
    });
    const [declaration] = await discoverIntegrations([dir]);
    expect(declaration).toMatchObject({ providerConfigKey: 'hubspot-sandbox', provider: 'hubspot', overrides: { baseUrl: 'http://127.0.0.1:9' } });
    expect(new IntegrationRegistry([declaration!]).get('hubspot-sandbox')?.provider.baseUrl).toBe('http://127.0.0.1:9');
  });

  it('refuses every bad script with its file and reason, in one error', async () => {
    const dir = await project({
      'github/syncs/too-often.ts': SYNC('every 10 seconds'),
      'github/syncs/broken.ts': 'export default createSync({',
      'github/syncs/old-form.ts': 'export default async function fetchData() {}',
      'github/syncs/needs-package.ts': `import 'left-pad-that-is-not-installed';\n${SYNC('every hour', 'Other')}`,
      'nowhere-api/syncs/x.ts': SYNC(),
    });
    const error = await discoverIntegrations([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    const reasons = (error as DiscoveryError).problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^github\/syncs\/too-often\.ts: sync "too-often": frequency "every 10 seconds" is shorter than the 1-minute minimum/),
        expect.stringMatching(/^github\/syncs\/broken\.ts: /),
        expect.stringMatching(/^github\/syncs\/old-form\.ts: .*older script form.*migrate-to-zero-yaml/),
        expect.stringMatching(/^github\/syncs\/needs-package\.ts: imports the package "left-pad-that-is-not-installed", which is not installed/),
        expect.stringMatching(/^nowhere-api: integration "nowhere-api": no provider "nowhere-api" in the catalog/),
      ]),
    );
  });

  it("points a nango.yaml project to Nango's converter", async () => {
    const dir = await project({ 'nango.yaml': 'integrations: {}\n', 'github/syncs/issues.ts': SYNC() });
    await expect(discoverIntegrations([dir])).rejects.toThrow(/nango\.yaml: .*npx nango migrate-to-zero-yaml/);
  });

  it('refuses a syncline.json that does not parse or maps a folder that is not there', async () => {
    const dir = await project({ 'github/syncs/issues.ts': SYNC(), 'syncline.json': JSON.stringify({ integrations: { gitlab: { provider: 'gitlab' } } }) });
    await expect(discoverIntegrations([dir])).rejects.toThrow(/maps integration "gitlab", but there is no folder/);
  });

  it('writes a static registry that imports every script, for the Lambda bundles', async () => {
    const dir = await project({ 'github/syncs/issues.ts': SYNC() });
    const out = writeStaticRegistry([dir], join(dir, '.build/integrations.ts'));
    const { integrations } = (await import(out)) as { integrations: { providerConfigKey: string; syncs: Record<string, unknown> }[] };
    expect(integrations.map((i) => [i.providerConfigKey, Object.keys(i.syncs)])).toEqual([['github', ['issues']]]);
  });
});
