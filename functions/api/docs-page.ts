/**
 * `GET /docs`: a readable reference page rendered from the OpenAPI document — one section per
 * operation with its parameters, body and responses, then every record model with its fields.
 * Self-contained HTML (inline CSS, no scripts, no external assets). Without `models` (a
 * request without a valid key, see `routes/meta.ts`) the project's record models are left out.
 */
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from './openapi.js';

export function renderDocsPage(doc: OpenApiDocument, options: { models: boolean } = { models: true }): string {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const byTag = new Map<string, typeof operations>();
  for (const entry of operations) {
    const tag = entry.op.tags[0] ?? 'Other';
    byTag.set(tag, [...(byTag.get(tag) ?? []), entry]);
  }
  const models = Object.entries(options.models ? doc.components.schemas : {}).filter(
    ([name, schema]) => !name.endsWith('Record') && !['Error', 'NangoRecordMetadata'].includes(name) && schema['type'] === 'object',
  );

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{margin-bottom:0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
section.op{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.put,.patch{color:#9a6700}.delete{color:#cf222e}
code,pre{font:13px ui-monospace,monospace;background:#f6f8fa;border-radius:4px}pre{padding:.5rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
nav ul{columns:2}
</style></head><body>
<h1>${esc(doc.info.title)}</h1><p>Version ${esc(doc.info.version)} · OpenAPI ${esc(doc.openapi)} · <a href="/openapi.json">openapi.json</a></p>
<p>${esc(doc.info.description)}</p>
<nav><ul>${operations.map(({ path, method, op }) => `<li><a href="#${esc(op.operationId)}"><span class="method ${method}">${method}</span> ${esc(path)}</a></li>`).join('')}</ul></nav>
${[...byTag].map(([tag, entries]) => `<h2>${esc(tag)}</h2>${entries.map(({ path, method, op }) => renderOperation(path, method, op)).join('\n')}`).join('\n')}
<h2>Record models</h2>
${options.models ? '' : '<p>The record models of this project’s integrations are shown with an API key: open the <a href="/#/reference">console’s API reference</a>, or request this page with <code>Authorization: Bearer &lt;key&gt;</code>.</p>'}
${models.map(([name, schema]) => `<section class="op" id="model-${esc(name)}"><h3>${esc(name)}</h3><p>${esc(String(schema['description'] ?? ''))}</p>${fieldsTable(schema)}</section>`).join('\n')}
</body></html>`;
}

function renderOperation(path: string, method: string, op: OpenApiOperation): string {
  const params =
    op.parameters.length === 0
      ? ''
      : `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>description</th></tr>${op.parameters
          .map(
            (p) =>
              `<tr><td><code>${esc(p.name)}</code>${p.deprecated ? ' (deprecated)' : ''}</td><td>${p.in}</td><td>${esc(typeOf(p.schema))}</td><td>${p.required ? 'yes' : 'no'}</td><td>${esc(p.description ?? '')}</td></tr>`,
          )
          .join('')}</table>`;
  const body = op.requestBody ? `<h4>Body</h4>${fieldsTable(op.requestBody.content['application/json']!.schema)}` : '';
  const responses = `<h4>Responses</h4><ul>${Object.entries(op.responses)
    .map(([status, r]) => `<li><code>${status}</code> ${esc(describeResponse(r))}</li>`)
    .join('')}</ul>`;
  return `<section class="op" id="${esc(op.operationId)}"><h3><span class="method ${method}">${method}</span> <code>${esc(path)}</code></h3>
<p><strong>${esc(op.summary)}</strong>${op.security?.length === 0 ? ' (no API key needed)' : ''}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}${params}${body}${responses}</section>`;
}

function fieldsTable(schema: JsonSchema): string {
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  if (!properties) return `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>`;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  return `<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>${Object.entries(properties)
    .map(([name, field]) => `<tr><td><code>${esc(name)}</code></td><td>${esc(typeOf(field))}</td><td>${required.has(name) ? 'yes' : 'no'}</td><td>${esc(String(field['description'] ?? ''))}</td></tr>`)
    .join('')}</table>`;
}

function typeOf(schema: JsonSchema): string {
  if (typeof schema['$ref'] === 'string') return (schema['$ref'] as string).split('/').pop()!;
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema['const']);
  const union = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (union) return union.map(typeOf).join(' | ');
  if (schema['type'] === 'array') return `${typeOf((schema['items'] as JsonSchema | undefined) ?? {})}[]`;
  const type = schema['type'];
  const base = Array.isArray(type) ? type.join(' | ') : typeof type === 'string' ? type : 'any';
  return typeof schema['format'] === 'string' ? `${base} (${schema['format']})` : base;
}

function describeResponse(response: unknown): string {
  const r = response as { description?: string; $ref?: string };
  return r.description ?? r.$ref?.split('/').pop() ?? '';
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
