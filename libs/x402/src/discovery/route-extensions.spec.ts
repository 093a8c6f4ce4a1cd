import { Controller, Get, Post } from '@nestjs/common';
import { validateDiscoveryExtension } from '@x402/extensions/bazaar';
import { X402ConfigError } from '../x402.errors.js';
import { Discoverable } from './discoverable.decorator.js';
import { bazaarDeclaration, routeExtensions } from './route-extensions.js';

const WHERE = '@Discoverable on Test.route';

describe('bazaarDeclaration', () => {
  it('declares a GET route with its method, path parameters and route template, valid for the official validator', () => {
    const declaration = bazaarDeclaration(
      { pathParams: { city: 'lisbon' }, input: { days: '7' }, output: { example: { ok: true } } },
      'GET',
      '/weather/history/:city',
      WHERE,
    );
    expect(declaration.info.input).toMatchObject({ type: 'http', method: 'GET', pathParams: { city: 'lisbon' }, queryParams: { days: '7' } });
    expect(declaration.routeTemplate).toBe('/weather/history/:city');
    expect(declaration.schema.properties.input.properties.method).toEqual({ type: 'string', enum: ['GET'] });
    expect(validateDiscoveryExtension(declaration)).toEqual({ valid: true });
  });

  it('keeps the route template without example path parameters', () => {
    const declaration = bazaarDeclaration({}, 'GET', '/reports/:id', WHERE);
    expect(declaration.routeTemplate).toBe('/reports/:id');
    expect(declaration.info.input).not.toHaveProperty('pathParams');
    expect(validateDiscoveryExtension(declaration).valid).toBe(true);
  });

  it('has no route template on a path without parameters', () => {
    expect(bazaarDeclaration({}, 'GET', '/reports/summary', WHERE).routeTemplate).toBeUndefined();
  });

  it('describes a POST body as JSON by default', () => {
    const declaration = bazaarDeclaration({ input: { query: 'rain' }, inputSchema: { properties: { query: { type: 'string' } }, required: ['query'] } }, 'POST', '/search', WHERE);
    expect(declaration.info.input).toMatchObject({ type: 'http', method: 'POST', bodyType: 'json', body: { query: 'rain' } });
    expect(validateDiscoveryExtension(declaration).valid).toBe(true);
  });

  it('fails the boot when the example does not match its schema, naming the route', () => {
    expect(() =>
      bazaarDeclaration({ input: { limit: 'three' }, inputSchema: { properties: { limit: { type: 'integer' } } } }, 'POST', '/search', WHERE),
    ).toThrow(expect.objectContaining({ name: 'X402ConfigError', option: WHERE, message: expect.stringContaining('invalid bazaar discovery declaration') }));
  });

  it('refuses a body type on a GET route and methods bazaar cannot describe', () => {
    expect(() => bazaarDeclaration({ bodyType: 'json', input: {} }, 'GET', '/a', WHERE)).toThrow(X402ConfigError);
    expect(() => bazaarDeclaration({}, 'OPTIONS', '/a', WHERE)).toThrow(/not OPTIONS/);
  });
});

describe('routeExtensions', () => {
  @Controller('t')
  class TestController {
    @Get(':id') @Discoverable({ pathParams: { id: '1' } }) declared() {}
    @Post() plain() {}
  }

  it('builds the bazaar extension of a @Discoverable handler and nothing for the others', () => {
    const extensions = routeExtensions(TestController, TestController.prototype.declared, 'GET', '/t/:id');
    expect(extensions).toEqual({ bazaar: expect.objectContaining({ routeTemplate: '/t/:id' }) });
    expect(routeExtensions(TestController, TestController.prototype.plain, 'POST', '/t')).toBeUndefined();
  });
});
