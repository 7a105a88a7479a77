/**
 * API reference (`#/reference`): `GET /openapi.json`, fetched with the session's key, shown
 * readably — operations grouped by tag with method, path, summary, scope, parameters, body and
 * response schemas, then every component schema (each sync's models) as a property table.
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { Empty, ErrorBanner, Loading, PageHeader, useAsync, TableScroll } from '../components/ui.js';
import type { Route } from '../router.js';
import { type JsonSchema, PropertyTable, SchemaSection, refName, typeOf } from './reference-schema.js';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  deprecated?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  deprecated?: boolean;
  'x-required-scope'?: string;
  parameters?: Parameter[];
  requestBody?: { description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema: JsonSchema }> }>;
}

interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const MODELS = 'Schemas';

export function ReferencePage({ route: _route }: { route: Route }) {
  const document = useAsync(() => apiCall<OpenApiDocument>('GET', '/openapi.json'), []);
  const [section, setSection] = useState('');
  const [search, setSearch] = useState('');
  const doc = document.data;

  const operations = doc ? Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation }))) : [];
  const tags = doc ? [...new Set([...(doc.tags ?? []).map((t) => t.name), ...operations.flatMap((o) => o.operation.tags)])] : [];
  const needle = search.trim().toLowerCase();
  const matches = (text: string) => needle === '' || text.toLowerCase().includes(needle);
  const schemas = Object.entries(doc?.components?.schemas ?? {}).filter(([name]) => matches(name));

  return (
    <div>
      <PageHeader title="API reference" />
      {document.error ? <ErrorBanner error={document.error} /> : null}
      {document.loading && !doc ? <Loading /> : null}
      {doc ? (
        <>
          <p>
            {doc.info.title} {doc.info.version}. {doc.info.description}
          </p>
          <form class="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Filter the reference">
            <div class="field">
              <label for="reference-section">Section</label>
              <select id="reference-section" value={section} onChange={(e) => setSection(e.currentTarget.value)}>
                <option value="">Everything</option>
                {tags.map((tag) => (
                  <option key={tag} value={tag}>
                    {tag}
                  </option>
                ))}
                <option value={MODELS}>{MODELS} (models)</option>
              </select>
            </div>
            <div class="field">
              <label for="reference-search">Search paths, summaries and schemas</label>
              <input id="reference-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
            </div>
          </form>
          {tags
            .filter((tag) => section === '' || section === tag)
            .map((tag) => {
              const inTag = operations.filter(({ path, operation }) => operation.tags.includes(tag) && (matches(path) || matches(operation.summary)));
              if (inTag.length === 0) return null;
              return (
                <section key={tag} aria-labelledby={`tag-${tag}`}>
                  <h2 id={`tag-${tag}`}>{tag}</h2>
                  {inTag.map(({ path, method, operation }) => (
                    <OperationCard key={`${method} ${path}`} path={path} method={method} operation={operation} />
                  ))}
                </section>
              );
            })}
          {section === '' || section === MODELS ? (
            <section aria-labelledby="schemas-heading">
              <h2 id="schemas-heading">{MODELS}</h2>
              <p class="muted">Each sync's models (and their record form with id and _nango_metadata), and the shapes the operations share.</p>
              {schemas.length === 0 ? <Empty>No schema matches.</Empty> : schemas.map(([name, schema]) => <SchemaSection key={name} name={name} schema={schema} />)}
            </section>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function OperationCard({ path, method, operation }: { path: string; method: string; operation: Operation }) {
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody ? Object.entries(operation.requestBody.content)[0] : undefined;
  return (
    <article class="card operation" aria-label={`${method.toUpperCase()} ${path}`}>
      <h3 class="operation-title">
        <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
        {operation.deprecated ? <span class="badge badge-deprecated">deprecated</span> : null}
      </h3>
      <p>
        <strong>{operation.summary}</strong>
        {operation['x-required-scope'] ? <span class="muted"> · scope {operation['x-required-scope']}</span> : null}
      </p>
      {operation.description ? <p class="operation-description">{operation.description}</p> : null}
      {parameters.length > 0 ? (
        <TableScroll label="Operations">
          <table class="table">
            <caption class="muted">Parameters</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">In</th>
                <th scope="col">Required</th>
                <th scope="col">Type</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {parameters.map((p) => (
                <tr key={`${p.in}:${p.name}`}>
                  <td>
                    <code>{p.name}</code>
                    {p.deprecated ? ' (deprecated)' : ''}
                  </td>
                  <td>{p.in}</td>
                  <td>{p.required ? 'yes' : 'no'}</td>
                  <td>{typeOf(p.schema)}</td>
                  <td>{p.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {body ? (
        <div>
          <h4>Request body ({body[0]})</h4>
          {operation.requestBody?.description ? <p>{operation.requestBody.description}</p> : null}
          <PropertyTable schema={body[1].schema} />
        </div>
      ) : null}
      <h4>Responses</h4>
      <ul class="compact-list responses">
        {Object.entries(operation.responses).map(([status, response]) => (
          <li key={status}>
            <strong>{status}</strong> {response.$ref ? refName(response.$ref) : (response.description ?? '')}
            {response.content
              ? Object.entries(response.content).map(([type, { schema }]) => (
                  <span key={type} class="muted">
                    {' '}
                    — {type}: {responseShape(schema)}
                  </span>
                ))
              : null}
          </li>
        ))}
      </ul>
    </article>
  );
}

/** A response schema's name, or its top-level fields with their types (`records: array of ContactRecord | NoteRecord`). */
function responseShape(schema: JsonSchema): string {
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  if (schema['$ref'] || !properties) return typeOf(schema);
  return `{ ${Object.entries(properties)
    .map(([name, property]) => `${name}: ${typeOf(property)}`)
    .join('; ')} }`;
}
