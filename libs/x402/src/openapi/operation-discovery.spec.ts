import { discoverableFromOperation, exampleOf } from './operation-discovery.js';

const document = {
  components: {
    schemas: {
      Alert: { type: 'object', required: ['id', 'city'], properties: { id: { type: 'string', example: 'a-1' }, city: { type: 'string', enum: ['lisbon', 'tokyo'] }, note: { $ref: '#/components/schemas/Note' } } },
      Note: { type: 'object', properties: { text: { type: 'string' }, reply: { $ref: '#/components/schemas/Note' } } },
      NewAlert: { type: 'object', required: ['city'], properties: { city: { type: 'string', example: 'lisbon' }, belowC: { type: 'number', minimum: -50 } } },
    },
  },
};

describe('discoverableFromOperation', () => {
  it('reads a POST route: JSON body schema and example, path parameters, the 201 answer with $refs inlined (a cycle cut)', () => {
    const options = discoverableFromOperation(
      {
        parameters: [{ name: 'group', in: 'path', required: true, schema: { type: 'string' }, example: 'ops' }],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/NewAlert' } } } },
        responses: { '201': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Alert' } } } } },
      },
      document,
      'POST',
    ) as Record<string, any>;
    expect(options.bodyType).toBe('json');
    expect(options.input).toEqual({ city: 'lisbon', belowC: -50 });
    expect(options.inputSchema.required).toEqual(['city']);
    expect(options.pathParams).toEqual({ group: 'ops' });
    expect(options.pathParamsSchema).toEqual({ properties: { group: { type: 'string' } }, required: ['group'] });
    expect(options.output.example).toEqual({ id: 'a-1', city: 'lisbon', note: { text: 'string' } });
    expect(options.output.schema.properties.note.properties.reply).toEqual({});
  });

  it('describes nothing when the operation documents no JSON success answer', () => {
    expect(discoverableFromOperation({ responses: { '200': { content: { 'text/plain': { schema: { type: 'string' } } } } } }, document, 'GET')).toBeUndefined();
    expect(discoverableFromOperation({ responses: { '200': {} } }, document, 'GET')).toBeUndefined();
  });

  it('leaves an optional query parameter without example out of the example input', () => {
    const options = discoverableFromOperation(
      { parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }], responses: { '200': { content: { 'application/json': { schema: { type: 'object' } } } } } },
      document,
      'GET',
    ) as Record<string, any>;
    expect(options.input).toEqual({});
    expect(options.inputSchema).toEqual({ properties: { limit: { type: 'integer' } } });
  });
});

describe('exampleOf', () => {
  it('prefers the documented example, then default, enum and const, and builds objects and arrays', () => {
    expect(exampleOf({ type: 'string', example: 'x', default: 'y' })).toBe('x');
    expect(exampleOf({ type: 'integer', default: 3 })).toBe(3);
    expect(exampleOf({ type: 'string', enum: ['a', 'b'] })).toBe('a');
    expect(exampleOf({ type: 'array', items: { type: 'boolean' } })).toEqual([true]);
    expect(exampleOf({ allOf: [{ properties: { a: { type: 'integer' } } }, { properties: { b: { type: 'string', format: 'date' } } }] })).toEqual({ a: 1, b: '2026-01-01' });
  });
});
