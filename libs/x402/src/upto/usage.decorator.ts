import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getRequestState, type X402RequestState } from '../methods/signed/request-state.js';
import { UPTO_SCHEME } from './upto-scheme.js';
import { UsageMeter } from './usage-meter.js';

const meters = new WeakMap<X402RequestState, UsageMeter>();

/**
 * The usage meter of a request paid with the `upto` scheme, created on first use; a detached meter
 * (charges ignored) when the request carries no `upto` payment (a paid session, a replay, another route).
 *
 * @example
 * const usage = usageOf(request); usage.charge('0.02');
 */
export function usageOf(request: unknown): UsageMeter {
  const state = getRequestState(request);
  if (!state || state.replay || state.requirements.scheme !== UPTO_SCHEME) return new UsageMeter(0n, 6, false);
  let meter = meters.get(state);
  if (!meter) {
    const decimals = state.offer.quotes.find((q) => q.network === state.requirements.network)?.asset.decimals ?? 6;
    meter = new UsageMeter(BigInt(state.requirements.amount), decimals);
    meters.set(state, meter);
  }
  return meter;
}

/** The meter of a request's state, if its handler used one. */
export function meterOf(state: X402RequestState): UsageMeter | undefined {
  return meters.get(state);
}

/**
 * Injects the {@link UsageMeter} of a usage-priced request (`@Priced({ upTo })`): the handler charges
 * what the call really cost, and only that (at most the authorized maximum) is settled after it returns.
 *
 * @example
 * @Get('tiles') @Priced({ upTo: '0.10' })
 * tiles(@Query('n') n: string, @X402Usage() usage: UsageMeter) {
 *   usage.charge(`0.0${Math.min(Number(n), 9)}`);
 *   return renderTiles(Number(n));
 * }
 */
export const X402Usage = createParamDecorator((_: unknown, context: ExecutionContext): UsageMeter => usageOf(context.switchToHttp().getRequest()));
