import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { FacilitatorClient } from '@x402/core/server';
import { formatEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { X402Config } from '../config/x402.config.js';
import { RpcClients } from '../settlement/rpc-clients.js';
import { X402_CONFIG, X402_FACILITATOR } from '../x402.tokens.js';
import { reason, withTimeout, X402_HEALTH_OPTIONS, type ResolvedHealthOptions } from './x402-health.options.js';

/**
 * The facilitator can settle: a remote one answers `/supported`; a local one's gas signer holds
 * at least the configured native balance on every network.
 */
@Injectable()
export class X402FacilitatorHealthIndicator {
  private readonly signer?: Hex;
  private readonly rpc?: RpcClients;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(X402_FACILITATOR) private readonly facilitator: FacilitatorClient,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_HEALTH_OPTIONS) private readonly options: ResolvedHealthOptions,
  ) {
    if (config.facilitator.type === 'local') {
      this.signer = privateKeyToAccount(config.facilitator.privateKey as Hex).address;
      this.rpc = new RpcClients(config.facilitator.rpcUrls);
    }
  }

  async isHealthy(key = 'x402_facilitator') {
    const indicator = this.indicators.check(key);
    const options = this.config.facilitator;
    try {
      if (options.type !== 'local') {
        const supported = await withTimeout(this.facilitator.getSupported(), this.options.timeoutMs, 'the facilitator');
        return indicator.up({ type: options.type, kinds: supported.kinds.length });
      }
      const balances: Record<string, string> = {};
      let low: string | undefined;
      for (const { network } of this.config.accepted) {
        const balance = await withTimeout(this.rpc!.get(network).getBalance({ address: this.signer! }), this.options.timeoutMs, `the RPC of ${network}`);
        balances[network] = formatEther(balance);
        if (balance < this.options.minGasBalanceWei) low = network;
      }
      const data = { type: 'local', signer: this.signer, gasBalance: balances };
      return low ? indicator.down({ ...data, message: `gas balance on ${low} is below ${formatEther(this.options.minGasBalanceWei)}` }) : indicator.up(data);
    } catch (error) {
      return indicator.down({ type: options.type, message: reason(error) });
    }
  }
}
