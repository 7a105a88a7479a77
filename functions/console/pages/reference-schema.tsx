/**
 * JSON Schema (OpenAPI 3.1's dialect, as `functions/api/openapi.ts` writes it) in words: a type
 * line for any schema and a property table for an object. Hand-written instead of a renderer
 * package (Redoc, Swagger UI are several hundred KB and load fonts or scripts from CDNs): the
 * document uses a small part of JSON Schema, and this keeps the console under its size budget.
 */
import type { ComponentChildren } from 'preact';
import { TableScroll } from '../components/ui.js';

export type JsonSchema = { [key: string]: unknown };

const asSchema = (value: unknown): JsonSchema | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined);
const asSchemas = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.map(asSchema).filter((s): s is JsonSchema => s !== undefined) : []);

/** `#/components/schemas/Contact` → `Contact`. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** A one-line description of a schema's type: `string (date-time)`, `array of Contact`, `"a" | "b"`. */
export function typeOf(schema: JsonSchema | undefined, depth = 0): string {
  if (!schema) return 'any';
  if (typeof schema['$ref'] === 'string') return refName(schema['$ref']);
  if ('const' in schema) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return schema['enum'].map((v) => JSON.stringify(v)).join(' | ');
  for (const [key, joiner] of [
    ['anyOf', ' | '],
    ['oneOf', ' | '],
    ['allOf', ' & '],
  ] as const) {
    const parts = asSchemas(schema[key]);
    if (parts.length > 0) return parts.map((part) => typeOf(part, depth + 1)).join(joiner);
  }
  const type = schema['type'];
  const types = Array.isArray(type) ? type.map(String) : typeof type === 'string' ? [type] : [];
  const described = types.map((name) => {
    if (name === 'array') return `array of ${depth > 3 ? '…' : typeOf(asSchema(schema['items']), depth + 1)}`;
    if (name === 'object') {
      const values = asSchema(schema['additionalProperties']);
      return values && !schema['properties'] ? `map of ${typeOf(values, depth + 1)}` : 'object';
    }
    return typeof schema['format'] === 'string' && name === 'string' ? `string (${schema['format']})` : name;
  });
  if (described.length > 0) return described.join(' | ');
  if (schema['properties']) return 'object';
  return 'any';
}

export interface PropertyRow {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

/** The properties of an object schema (and of the inline parts of an allOf), nested ones as `parent.child`. */
export function propertyRows(schema: JsonSchema, prefix = '', depth = 0): PropertyRow[] {
  const rows: PropertyRow[] = [];
  for (const part of asSchemas(schema['allOf'])) if (!part['$ref']) rows.push(...propertyRows(part, prefix, depth));
  const properties = asSchema(schema['properties']) ?? {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : []);
  for (const [name, value] of Object.entries(properties)) {
    const property = asSchema(value) ?? {};
    rows.push({ name: `${prefix}${name}`, type: typeOf(property), required: required.has(name), description: typeof property['description'] === 'string' ? property['description'] : '' });
    // One level of nesting per object, three at most: enough for a model's address or metadata.
    if (depth < 2 && property['properties']) rows.push(...propertyRows(property, `${prefix}${name}.`, depth + 1));
  }
  return rows;
}

export function PropertyTable({ schema, caption }: { schema: JsonSchema; caption?: ComponentChildren }) {
  const rows = propertyRows(schema);
  if (rows.length === 0) return null;
  return (
    <TableScroll label="Properties">
      <table class="table schema-table">
        {caption ? <caption class="muted">{caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">Property</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name}>
              <td>
                <code>{row.name}</code>
              </td>
              <td>{row.type}</td>
              <td>{row.required ? 'yes' : 'no'}</td>
              <td>{row.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** A component schema: its description, the schemas it includes, its properties (or its type when it has none). */
export function SchemaSection({ name, schema }: { name: string; schema: JsonSchema }) {
  const included = asSchemas(schema['allOf'])
    .map((part) => part['$ref'])
    .filter((ref): ref is string => typeof ref === 'string')
    .map(refName);
  const hasProperties = propertyRows(schema).length > 0;
  return (
    <section class="card schema" aria-labelledby={`schema-${name}`}>
      <h3 id={`schema-${name}`}>{name}</h3>
      {typeof schema['description'] === 'string' ? <p>{schema['description']}</p> : null}
      {included.length > 0 ? <p>Every property of {included.join(', ')}, and:</p> : null}
      {hasProperties ? <PropertyTable schema={schema} caption={`Properties of ${name}`} /> : <p>Type: {typeOf(schema)}</p>}
    </section>
  );
}
