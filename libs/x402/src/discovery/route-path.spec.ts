import { fillPath, toOpenApiPath } from './route-path.js';

describe('toOpenApiPath', () => {
  it.each([
    ['/weather/forecast/:city', '/weather/forecast/{city}'],
    ['/a/:b/c/:d', '/a/{b}/c/{d}'],
    ['/files/*path', '/files/{path}'],
    ['/items{/:id}', '/items/{id}'],
    ['/plain', '/plain'],
    ['', '/'],
  ])('%s -> %s', (nest, openapi) => {
    expect(toOpenApiPath(nest)).toBe(openapi);
  });
});

describe('fillPath', () => {
  it('fills parameters with the given values, encoded, and a fallback for the others', () => {
    expect(fillPath('/a/{x}/b/{y}', { x: 'new york' })).toBe('/a/new%20york/b/sample');
  });
});
