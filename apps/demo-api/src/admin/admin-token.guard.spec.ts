import { Controller, Get, UnauthorizedException, UseGuards, type ExecutionContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DemoConfigError } from '../demo.config.js';
import { ADMIN_TOKEN, AdminTokenGuard } from './admin-token.guard.js';

const TOKEN = 'admin-token-0123456789abcdef';

@Controller('admin')
@UseGuards(AdminTokenGuard)
class SecretController {
  @Get() secret() {
    return { secret: true };
  }
}

async function boot(token: string) {
  const moduleRef = await Test.createTestingModule({ controllers: [SecretController], providers: [{ provide: ADMIN_TOKEN, useValue: token }, AdminTokenGuard] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const contextWith = (authorization?: string | string[]) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }) }) }) as unknown as ExecutionContext;

describe('AdminTokenGuard', () => {
  it.each([
    ['an empty', ''],
    ['a blank', '                    '],
    ['a short', 'short-token'],
  ])('fails the boot with %s token instead of opening /admin', async (_what, token) => {
    const outcome = await boot(token).then(
      async (app) => {
        // booted: what an empty token let through before
        const status = (await request(app.getHttpServer()).get('/admin')).status;
        await app.close();
        return `booted, /admin without a token answered ${status}`;
      },
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(DemoConfigError);
    expect((outcome as DemoConfigError).variable).toBe('X402_ADMIN_TOKEN');
  });

  it('lets the right bearer token in and refuses anything else', async () => {
    const guard = new AdminTokenGuard(TOKEN);
    expect(guard.canActivate(contextWith(`Bearer ${TOKEN}`))).toBe(true);
    for (const wrong of [undefined, '', 'Bearer ', TOKEN, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.replace('a', 'b')}`, `bearer ${TOKEN}`, [`Bearer ${TOKEN}`]]) {
      expect(() => guard.canActivate(contextWith(wrong as string | undefined))).toThrow(UnauthorizedException);
    }
  });

  it('answers 401 with a code over HTTP', async () => {
    const app = await boot(TOKEN);
    try {
      const refused = await request(app.getHttpServer()).get('/admin').set('Authorization', 'Bearer nope');
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthorized');
      expect((await request(app.getHttpServer()).get('/admin').set('Authorization', `Bearer ${TOKEN}`)).body).toEqual({ secret: true });
    } finally {
      await app.close();
    }
  });
});
