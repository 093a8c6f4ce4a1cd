import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DemoConfigError } from '../demo.config.js';

export const ADMIN_TOKEN = Symbol('demo:admin-token');

/**
 * The OpenAPI security scheme of the admin routes. Declared as an API key in the `Authorization`
 * header (value `Bearer <token>`) rather than HTTP bearer: agent tools know API keys, and read an
 * HTTP bearer scheme as no auth mode at all.
 */
export const ADMIN_SECURITY = 'admin';

/** {@link ADMIN_SECURITY} as `DocumentBuilder.addApiKey` takes it. */
export const ADMIN_SECURITY_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'Authorization',
  description: 'The admin token: `Bearer <X402_ADMIN_TOKEN>`.',
} as const;

/** Shortest admin token accepted (as `X402_ADMIN_TOKEN`). */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Lets a request through only with `Authorization: Bearer <X402_ADMIN_TOKEN>`. Both tokens are
 * compared as SHA-256 digests with `timingSafeEqual`: equal lengths always, so neither the time
 * taken nor an early exit tells a guesser the token's length. An empty or short token fails the
 * boot (an empty one would let every request without `Authorization` in).
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_TOKEN) token: string) {
    if (typeof token !== 'string' || token.trim().length < MIN_ADMIN_TOKEN_LENGTH) {
      throw new DemoConfigError('X402_ADMIN_TOKEN', `the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
    }
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    // a missing token is compared too (against a digest nobody has), so it takes the same path
    const match = timingSafeEqual(digest(given ?? ''), this.expected) && given !== undefined && given.length > 0;
    if (!match) throw new UnauthorizedException({ error: { code: 'unauthorized', message: 'send Authorization: Bearer <X402_ADMIN_TOKEN>' } });
    return true;
  }
}
