import { Controller, Get, Header, Param } from '@nestjs/common';
import { X402HttpException } from '../x402.errors.js';
import { X402ProofErrorCode } from './proof-errors.js';
import { TxProofService, type ProofStatus } from './tx-proof.service.js';

/** Path of the status endpoint of payment references. */
export const PROOF_STATUS_PATH = '.well-known/x402/proofs';

/**
 * Serves `GET /.well-known/x402/proofs/:reference`: where a quoted transaction-hash payment stands
 * (`open`, `pending` with its confirmations, `confirmed`, `used`, `expired`), for clients to poll
 * before presenting their proof. Registered by `X402ProofsModule.forRoot()`.
 */
@Controller(PROOF_STATUS_PATH)
export class X402ProofsController {
  constructor(private readonly proofs: TxProofService) {}

  @Get(':reference')
  @Header('Cache-Control', 'no-store')
  async status(@Param('reference') reference: string): Promise<ProofStatus> {
    const status = await this.proofs.status(reference);
    if (!status) throw new X402HttpException(404, X402ProofErrorCode.UnknownReference, 'no such payment reference');
    return status;
  }
}
