import type { DiscoverableOptions } from '../discovery/discoverable.decorator.js';

type Schema = Record<string, unknown>;

/** The slice of an OpenAPI operation that says how to call it and what it answers. */
export interface DescribedOperation {
  parameters?: Array<{ name?: string; in?: string; required?: boolean; description?: string; example?: unknown; schema?: Schema; $ref?: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown }>; $ref?: string };
  responses?: Record<string, { content?: Record<string, { schema?: Schema; example?: unknown }> }>;
}

const MAX_DEPTH = 8;
const isRecord = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schema with every local `$ref` inlined (a cycle or an unknown reference becomes `{}`). */
function inline(value: unknown, document: Schema, seen: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => inline(v, document, seen));
  if (!isRecord(value)) return value;
  const ref = value.$ref;
  if (typeof ref === 'string') {
    if (!ref.startsWith('#/') || seen.includes(ref) || seen.length > MAX_DEPTH) return {};
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (isRecord(node) ? node[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), document);
    return target === undefined ? {} : inline(target, document, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inline(v, document, seen)]));
}

/**
 * A value the schema accepts, for a catalogue's example: the schema's own `example` (or first
 * `examples`, `default`, `enum` value), else one built from its properties and items.
 */
export function exampleOf(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[key]) && schema[key].length > 0) return exampleOf(schema[key][0], depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((s) => exampleOf(s, depth + 1));
    return parts.every(isRecord) ? Object.assign({}, ...parts) : parts.find((p) => p !== undefined);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || (type === undefined && isRecord(schema.properties))) {
    const out: Schema = {};
    for (const [name, property] of Object.entries(isRecord(schema.properties) ? schema.properties : {})) {
      const value = exampleOf(property, depth + 1);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (type === 'array') {
    const item = exampleOf(schema.items, depth + 1);
    return item === undefined ? [] : [item];
  }
  if (type === 'integer' || type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (type === 'boolean') return true;
  if (type === 'string') return schema.format === 'date-time' ? '2026-01-01T00:00:00Z' : schema.format === 'date' ? '2026-01-01' : 'string';
  return undefined;
}

function jsonContent(content: Record<string, { schema?: Schema; example?: unknown }> | undefined) {
  if (!content) return undefined;
  return content['application/json'] ?? Object.entries(content).find(([type]) => type.endsWith('+json'))?.[1];
}

function parametersIn(operation: DescribedOperation, document: Schema, where: 'query' | 'path') {
  const parameters = (inline(operation.parameters ?? [], document) as NonNullable<DescribedOperation['parameters']>).filter((p) => p.in === where && p.name);
  if (parameters.length === 0) return undefined;
  const properties: Schema = {};
  const required: string[] = [];
  const examples: Schema = {};
  for (const p of parameters) {
    const base = p.schema ?? {};
    // A query or path value arrives as text: an untyped parameter is a string.
    const untyped = ['type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf'].every((key) => base[key] === undefined);
    const schema: Schema = { ...(untyped ? { type: 'string' } : {}), ...base, ...(p.description && !base.description ? { description: p.description } : {}) };
    properties[p.name!] = schema;
    if (p.required || where === 'path') required.push(p.name!);
    const example = p.example ?? exampleOf(schema);
    // An optional parameter is left out of the example unless it documents one.
    if (example !== undefined && (p.required || where === 'path' || p.example !== undefined || schema.example !== undefined)) examples[p.name!] = example;
  }
  return { schema: { properties, ...(required.length ? { required } : {}) }, examples };
}

/**
 * How to call a priced operation and what it answers, read from its OpenAPI description (the
 * DTOs, `@ApiParam`, `@ApiQuery`, `@ApiBody` and `@ApiOkResponse` that @nestjs/swagger turned into
 * parameters, request body and responses): the options `@Discoverable` would take. Undefined when
 * the operation documents no JSON success response (nothing to promise a caller).
 *
 * @example
 * discoverableFromOperation(document.paths['/search'].get, document, 'GET')
 * // { input: { q: 'sun' }, inputSchema: { properties: { q: { type: 'string' } }, required: ['q'] }, output: { example: {...}, schema: {...} } }
 */
export function discoverableFromOperation(operation: DescribedOperation, document: object, method: string): DiscoverableOptions | undefined {
  const doc = document as Schema;
  const responses = operation.responses ?? {};
  const success = responses['200'] ?? responses['201'] ?? Object.entries(responses).find(([status]) => /^2\d\d$/.test(status))?.[1];
  const media = jsonContent(success?.content);
  if (!media?.schema) return undefined;
  const outputSchema = inline(media.schema, doc) as Schema;
  const example = media.example ?? exampleOf(outputSchema);
  if (!isRecord(example)) return undefined;
  const options: Schema = { output: { example, schema: outputSchema } };

  const path = parametersIn(operation, doc, 'path');
  if (path) Object.assign(options, { pathParams: path.examples, pathParamsSchema: path.schema });
  if (['POST', 'PUT', 'PATCH'].includes(method.toUpperCase())) {
    const body = jsonContent((inline(operation.requestBody ?? {}, doc) as NonNullable<DescribedOperation['requestBody']>).content);
    const schema = (body?.schema ?? { type: 'object', properties: {} }) as Schema;
    Object.assign(options, { bodyType: 'json', input: body?.example ?? exampleOf(schema) ?? {}, inputSchema: schema });
  } else {
    const query = parametersIn(operation, doc, 'query');
    Object.assign(options, { input: query?.examples ?? {}, inputSchema: query?.schema ?? { properties: {} } });
  }
  return options as DiscoverableOptions;
}
