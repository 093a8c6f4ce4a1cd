import { Controller, Get, Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { FacilitatorClient } from '@x402/core/server';
import { X402Guard } from './x402.guard.js';
import { X402Module } from '../x402.module.js';
import { X402ConfigError } from '../x402.errors.js';
import { Free, Priced } from './priced.decorator.js';
import { X402SessionsModule } from '../sessions/x402-sessions.module.js';
import request from 'supertest';

const NETWORK = 'eip155:8453';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

const facilitator: FacilitatorClient = {
  verify: async () => ({ isValid: true }),
  settle: async () => ({ success: true, transaction: '0xabc', network: NETWORK }),
  getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
};

/** What `@Resolver()` + `@Query()` (GraphQL) or `@WebSocketGateway()` make: a provider whose methods are handlers. */
@Injectable()
class WeatherResolver {
  @Priced('0.01') forecast() {
    return 'sunny';
  }
}

@Injectable()
@Priced('0.01')
class PricedGateway {
  handle() {}
}

/** `@MessagePattern('forecast')` on a controller: a microservice handler, not an HTTP route. */
@Controller()
class MessagesController {
  @SetMetadata('microservices:pattern', [{ cmd: 'forecast' }]) @Priced('0.01') forecast() {}
}

@Controller('weather')
@Priced('0.01')
class WeatherController {
  @Get('forecast') forecast() {
    return 'sunny';
  }
  @Get('cities') @Free() cities() {}
  /** Not a route: a helper of a priced controller is not a handler, nothing to refuse. */
  helper() {}
}

async function boot(controllers: Function[], providers: Function[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [X402Module.forRoot({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator } })],
    controllers: controllers as never,
    providers: providers as never,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('@Priced outside HTTP routes', () => {
  let afterThis: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await afterThis?.();
    afterThis = undefined;
  });

  it.each([
    ['a priced method of a provider (GraphQL resolver)', [], [WeatherResolver], 'WeatherResolver.forecast'],
    ['a priced provider class (websocket gateway)', [], [PricedGateway], 'PricedGateway'],
    ['a priced microservice handler of a controller', [MessagesController], [], 'MessagesController.forecast'],
  ])('fails the boot for %s, naming it', async (_what, controllers, providers, where) => {
    const error = await boot(controllers, providers).then(
      (app) => app.close().then(() => undefined), // booted: the handler would have been served free
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(X402ConfigError);
    expect((error as Error).message).toContain(where);
  });

  it('boots with priced HTTP routes and helpers of a priced controller', async () => {
    const app = await boot([WeatherController]);
    await app.close();
  });

  it('the guard refuses a priced handler in a non-HTTP context instead of letting it through free', async () => {
    const app = await boot([WeatherController]);
    afterThis = () => app.close();
    const guard = app.get(X402Guard);
    const context = (type: string, handler: Function, cls: Function) =>
      ({ getType: () => type, getHandler: () => handler, getClass: () => cls, switchToHttp: () => { throw new Error('not http'); } }) as unknown as ExecutionContext;
    await expect(guard.canActivate(context('rpc', WeatherController.prototype.forecast, WeatherController))).rejects.toMatchObject({
      code: 'priced_context_unsupported',
      status: 501,
    });
    await expect(guard.canActivate(context('graphql', WeatherController.prototype.forecast, WeatherController))).rejects.toMatchObject({ code: 'priced_context_unsupported' });
    // free handlers, and handlers without a price, still pass in any context
    await expect(guard.canActivate(context('rpc', WeatherController.prototype.cities, WeatherController))).resolves.toBe(true);
    await expect(guard.canActivate(context('ws', WeatherResolver.prototype.constructor, Object))).resolves.toBe(true);
  });
});

@Controller('reports')
class SessionController {
  @Get() @Priced('0.01', { access: '1h' }) report() {
    return 'report';
  }
}

describe('routes that need an opt-in payment method', () => {
  it('stops the boot when a route has an access window and X402SessionsModule is not imported', async () => {
    await expect(boot([SessionController])).rejects.toThrow(/SessionController\.report: access.*X402SessionsModule/);
  });

  it('boots with X402SessionsModule, and the 402 then declares sign-in-with-x', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [X402Module.forRoot({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator } }), X402SessionsModule],
      controllers: [SessionController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const res = await request(app.getHttpServer()).get('/reports').expect(402);
      expect(Object.keys(res.body.extensions ?? {})).toContain('sign-in-with-x');
    } finally {
      await app.close();
    }
  });
});
