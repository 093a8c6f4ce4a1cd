import { Controller, Get, Logger, Module, Post, VersioningType, type INestApplication } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject, type SwaggerDocumentOptions } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import type { FacilitatorClient } from '@x402/core/server';
import { Discoverable } from '../discovery/discoverable.decorator.js';
import { X402RouteExplorer } from '../discovery/x402-route.explorer.js';
import { Free, Priced } from '../http/priced.decorator.js';
import { RoutePricingService } from '../pricing/route-pricing.service.js';
import { X402HttpException } from '../x402.errors.js';
import { X402Module } from '../x402.module.js';
import { validateOpenApi } from '../../../../test/support/openapi-validator.js';
import { applyX402ToDocument } from './x402-openapi.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

@Controller('weather')
class WeatherController {
  @Get('forecast/:city') @Priced('0.01') @ApiOperation({ summary: 'Forecast' }) forecast() {}
  @Get('history/:city') @Priced(() => '0.01', { description: '$0.001 per day' }) history() {}
  @Get('cities') cities() {}
}

class HitDto {
  @ApiProperty({ example: 'lisbon' }) city!: string;
  @ApiProperty({ example: 21 }) highC!: number;
}

class HitsDto {
  @ApiProperty({ type: [HitDto] }) hits!: HitDto[];
}

@Controller('find')
class FindController {
  @Get() @Priced('0.02') @ApiQuery({ name: 'q', required: true, example: 'sun' }) @ApiOkResponse({ type: HitsDto }) find() {}
  @Get('declared') @Priced('0.02') @Discoverable({ input: { q: 'rain' } }) @ApiOkResponse({ type: HitsDto }) declared() {}
  @Get('bounded') @Priced(() => '0.05', { min: '0.001', max: '0.009' }) bounded() {}
  @Get('undocumented') @Priced('0.02') undocumented() {}
}

@Controller('bundle')
@Priced('0.05')
class BundleController {
  @Get() @Free() catalog() {}
  @Post('order') order() {}
  @Get(':id') @ApiResponse({ status: 402, description: 'Pay for the item' }) item() {}
}

@Controller({ path: 'versioned', version: '2' })
class VersionedController {
  @Get('x') @Priced('0.03') x() {}
}

@Controller('items')
class ShopController {
  @Get() @Priced({ amount: '70000', asset: USDC }) list() {}
}

@Module({ controllers: [ShopController] })
class ShopModule {}

const facilitator: FacilitatorClient = {
  verify: async () => ({ isValid: true }),
  settle: async () => ({ success: true, transaction: '0x', network: NETWORK }),
  getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
};

type Operation = Record<string, any>;

describe('applyX402ToDocument', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator } }),
        ShopModule,
        RouterModule.register([{ path: 'shop', module: ShopModule }]),
      ],
      controllers: [WeatherController, BundleController, VersionedController, FindController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    app.enableVersioning({ type: VersioningType.URI });
  });
  afterAll(() => app?.close());

  function document(options: SwaggerDocumentOptions = {}): OpenAPIObject {
    return SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('t').setVersion('1').build(), options);
  }
  const op = (doc: OpenAPIObject, path: string, method = 'get'): Operation => (doc.paths[path] as Record<string, Operation>)[method];

  it('documents a fixed price: x-payment-info, summary prefix, 402 with schema and header, payment headers', () => {
    const doc = applyX402ToDocument(app, document());
    const forecast = op(doc, '/api/weather/forecast/{city}');
    expect(forecast['x-payment-info']).toEqual({
      price: { mode: 'fixed', currency: 'USD', amount: '0.01' },
      protocols: [
        {
          x402: {
            version: 2,
            scheme: 'exact',
            payTo: PAY_TO,
            symbols: ['USDC'],
            accepts: [{ scheme: 'exact', network: NETWORK, amount: '10000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USD Coin', version: '2' } }],
          },
        },
      ],
    });
    expect(forecast.summary).toBe('$0.01 · USDC — Forecast');
    expect(forecast.description).toContain('**x402 price: $0.01 (USD)**');
    expect(forecast.responses['402'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/X402PaymentRequired' });
    expect(forecast.responses['402'].content['application/json'].example.accepts[0].amount).toBe('10000');
    expect(forecast.responses['402'].headers).toHaveProperty('PAYMENT-REQUIRED');
    expect(forecast.responses['200'].headers).toHaveProperty('PAYMENT-RESPONSE');
    expect(forecast.parameters).toContainEqual(expect.objectContaining({ name: 'PAYMENT-SIGNATURE', in: 'header', required: false }));
    expect(Object.keys(doc.components!.schemas!)).toEqual(expect.arrayContaining(['X402PaymentRequired', 'X402PaymentRequirements', 'X402PaymentRequirementsV1', 'X402ResourceInfo']));
  });

  it('documents a price function as dynamic, without an example amount', () => {
    const history = op(applyX402ToDocument(app, document()), '/api/weather/history/{city}');
    expect(history['x-payment-info'].price).toEqual({ mode: 'dynamic', currency: 'USD', description: 'computed per request: $0.001 per day' });
    expect(history.summary).toBe('Dynamic price · USDC');
    expect(history.responses['402'].content['application/json']).not.toHaveProperty('example');
  });

  it('publishes the bounds of a price function', () => {
    const bounded = op(applyX402ToDocument(app, document()), '/api/find/bounded');
    expect(bounded['x-payment-info'].price).toEqual({ mode: 'dynamic', currency: 'USD', min: '0.001', max: '0.009', description: 'computed per request; the 402 answer gives the exact amount' });
    expect(bounded.summary).toBe('$0.001–$0.009 · USDC');
  });

  it('refuses a price function\'s amount outside its bounds, before any 402 is built', async () => {
    const plan = X402RouteExplorer.fromApp(app).explore().find((r) => r.methodName === 'bounded')!.plan!;
    const error = await app.get(RoutePricingService).offerFor(plan, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(X402HttpException);
    expect((error as X402HttpException).getStatus()).toBe(500);
    expect(JSON.stringify((error as X402HttpException).getResponse())).toContain('outside its declared bounds (0.001 to 0.009 USD)');
  });

  it('rejects bounds that are not USD amounts, a min above max, and bounds on a fixed price at startup', () => {
    const pricing = app.get(RoutePricingService);
    const plan = (price: unknown, options: object) => () => pricing.planFor(FindController, function handler() {}, { price: price as () => string, options });
    expect(plan(() => '0.01', { min: 'cheap' })).toThrow(/min.*not a USD amount/);
    expect(plan(() => '0.01', { min: '0.02', max: '0.01' })).toThrow(/must not be above max/);
    expect(plan('0.01', { max: '0.02' })).toThrow(/price bounds are for a price function/);
  });

  it('describes a priced route without @Discoverable in its 402 from its operation (query, output schema and example)', () => {
    applyX402ToDocument(app, document());
    const plans = Object.fromEntries(X402RouteExplorer.fromApp(app).explore().map((r) => [r.methodName, r.plan]));
    const bazaar = plans.find!.extensions!.bazaar as { info: Record<string, any>; schema: Record<string, any> };
    expect(bazaar.info.input).toEqual({ type: 'http', method: 'GET', queryParams: { q: 'sun' } });
    expect(bazaar.info.output).toEqual({ type: 'json', example: { hits: [{ city: 'lisbon', highC: 21 }] } });
    expect(bazaar.schema.properties.input.properties.queryParams).toEqual({ type: 'object', properties: { q: { type: 'string', example: 'sun' } }, required: ['q'] });
    expect(bazaar.schema.properties.output.properties.example.properties.hits.items.required).toEqual(['city', 'highC']);
    // @Discoverable wins; a route that documents no JSON answer is left undescribed
    expect((plans.declared!.extensions!.bazaar as { info: Record<string, any> }).info.input.queryParams).toEqual({ q: 'rain' });
    expect(plans.undocumented!.extensions).toBeUndefined();
  });

  it('says security: [] on operations without security, and publishes guidance as info.x-guidance', () => {
    const doc = applyX402ToDocument(app, document(), { guidance: 'Pay the 402, then retry.' });
    expect(op(doc, '/api/weather/cities').security).toEqual([]);
    expect(op(doc, '/api/weather/forecast/{city}').security).toEqual([]);
    expect((doc.info as unknown as Record<string, unknown>)['x-guidance']).toBe('Pay the 402, then retry.');
    const withGlobal = document();
    withGlobal.security = [{ key: [] }];
    expect(op(applyX402ToDocument(app, withGlobal), '/api/weather/cities')).not.toHaveProperty('security');
    expect(op(applyX402ToDocument(app, document(), { explicitSecurity: false }), '/api/weather/cities')).not.toHaveProperty('security');
  });

  it('documents a controller price on every route, says @Free routes are free, and leaves unpriced routes alone', () => {
    const doc = applyX402ToDocument(app, document());
    const order = op(doc, '/api/bundle/order', 'post');
    expect(order['x-payment-info'].price.amount).toBe('0.05');
    expect(order.responses['201'].headers).toHaveProperty('PAYMENT-RESPONSE');
    const item = op(doc, '/api/bundle/{id}');
    expect(item['x-payment-info'].price.amount).toBe('0.05');
    expect(item.responses['402'].description).toBe('Pay for the item');
    expect(item.responses['402'].headers).toHaveProperty('PAYMENT-REQUIRED');

    const catalog = op(doc, '/api/bundle');
    expect(catalog.description).toBe('Free: no x402 payment required.');
    expect(catalog).not.toHaveProperty('x-payment-info');
    expect(catalog.responses).not.toHaveProperty('402');
    const cities = op(doc, '/api/weather/cities');
    expect(cities).not.toHaveProperty('x-payment-info');
    expect(cities).not.toHaveProperty('description');
  });

  it('follows URI versioning and RouterModule paths, and an atomic price', () => {
    const doc = applyX402ToDocument(app, document());
    expect(op(doc, '/api/v2/versioned/x')['x-payment-info'].price.amount).toBe('0.03');
    expect(op(doc, '/api/shop/items')['x-payment-info'].price).toEqual({ mode: 'fixed', currency: 'USD', amount: '0.07' });
  });

  it('matches by path and method, whatever the operationIdFactory', () => {
    const doc = applyX402ToDocument(app, document({ operationIdFactory: (_controller, method) => `op-${method}` }));
    expect(op(doc, '/api/weather/forecast/{city}')['x-payment-info'].price.amount).toBe('0.01');
  });

  it('falls back to the default operationId when the paths differ (ignoreGlobalPrefix), and honours the option', () => {
    const withoutPrefix = document({ ignoreGlobalPrefix: true });
    const fallback = applyX402ToDocument(app, structuredClone(withoutPrefix));
    expect(op(fallback, '/weather/forecast/{city}')['x-payment-info'].price.amount).toBe('0.01');
    const matched = applyX402ToDocument(app, structuredClone(withoutPrefix), { ignoreGlobalPrefix: true });
    expect(matched).toEqual(fallback);
  });

  it('warns about a priced route it cannot find', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const doc = document({ operationIdFactory: (_controller, method) => `op-${method}` });
    delete doc.paths['/api/weather/forecast/{city}'];
    applyX402ToDocument(app, doc);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('WeatherController.forecast'));
    warn.mockRestore();
  });

  it('is idempotent and can leave summaries as they are', () => {
    const once = applyX402ToDocument(app, document());
    expect(applyX402ToDocument(app, structuredClone(once))).toEqual(once);
    expect(op(applyX402ToDocument(app, document(), { summaryPrefix: false }), '/api/weather/forecast/{city}').summary).toBe('Forecast');
  });

  it('produces a document that validates as OpenAPI', async () => {
    const doc = applyX402ToDocument(app, document());
    await expect(validateOpenApi(doc)).resolves.toBeUndefined();
  });

  it('produces a document that an OpenAPI validator rejects when the 402 schema is broken (the check can fail)', async () => {
    const doc = applyX402ToDocument(app, document());
    (doc.components!.schemas!.X402PaymentRequired as Record<string, unknown>).required = 'x402Version';
    await expect(validateOpenApi(doc)).rejects.toThrow();
  });
});
