import { parseUsdAmount, PriceError } from '../pricing/price.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';

const ZERO_USD = /^\$?0+(\.0+)?$/;

/**
 * What a usage-priced (`@Priced({ upTo })`) request costs, as the handler reports it. Charges add up
 * and are capped at what the payer authorized: asking for more never settles more (`capped` tells).
 * A handler that reports nothing is charged the whole authorized maximum; `charge('0')` settles nothing.
 *
 * @example
 * @Post('complete') @Priced({ upTo: '0.10' })
 * complete(@Body() body: Prompt, @X402Usage() usage: UsageMeter) {
 *   const answer = model.run(body);
 *   usage.charge(`0.00${answer.tokens}`);   // USD, added to what was charged so far
 *   return answer;
 * }
 */
export class UsageMeter {
  private requestedAtomic = 0n;
  private reportedOnce = false;

  /**
   * @param authorized the most this request may cost, in atomic units of the token
   * @param decimals the token's decimals (USD amounts are converted with them)
   * @param active false when the request is not an `upto` payment (a paid session, another route): charges are ignored
   */
  constructor(
    readonly authorized: bigint,
    readonly decimals: number,
    readonly active = true,
  ) {}

  /** Adds a USD amount (`'0.03'`, `'$0.03'`, `0.03`); returns the atomic units actually added (less once the cap is reached). */
  charge(usd: string | number): bigint {
    const text = typeof usd === 'number' ? String(usd) : usd.trim();
    if (ZERO_USD.test(text)) return this.chargeAtomic(0n);
    let atomic: bigint;
    try {
      atomic = parseUsdAmount(text, this.decimals);
    } catch (error) {
      throw new X402HttpException(500, X402ErrorCode.PriceResolutionFailed, `usage charge ${JSON.stringify(usd)} is invalid: ${(error as PriceError).message}`);
    }
    return this.chargeAtomic(atomic);
  }

  /** Adds atomic units of the token; returns the units actually added (less once the cap is reached). */
  chargeAtomic(amount: bigint | string | number): bigint {
    const value = BigInt(amount);
    if (value < 0n) throw new X402HttpException(500, X402ErrorCode.PriceResolutionFailed, 'a usage charge cannot be negative');
    if (!this.active) return 0n;
    const before = this.total;
    this.reportedOnce = true;
    this.requestedAtomic += value;
    return this.total - before;
  }

  /** Whether the handler reported any usage (else the whole authorized amount is settled). */
  get reported(): boolean {
    return this.reportedOnce;
  }

  /** Everything the handler asked for, uncapped (atomic units). */
  get requested(): bigint {
    return this.requestedAtomic;
  }

  /** What will be settled so far: the charges, at most `authorized` (atomic units). */
  get total(): bigint {
    return this.requestedAtomic < this.authorized ? this.requestedAtomic : this.authorized;
  }

  /** What can still be charged (atomic units). */
  get remaining(): bigint {
    return this.authorized - this.total;
  }

  /** The handler asked for more than the payer authorized; the excess is not settled. */
  get capped(): boolean {
    return this.requestedAtomic > this.authorized;
  }

  /** The amount to settle: the (capped) charges, or the whole authorized amount when nothing was reported. */
  get settlement(): bigint {
    return this.reportedOnce ? this.total : this.authorized;
  }
}
