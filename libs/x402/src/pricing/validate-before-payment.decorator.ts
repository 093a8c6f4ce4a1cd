import { SetMetadata } from '@nestjs/common';

export const X402_VALIDATE_METADATA = 'x402:validate';

/** The parts of a request a {@link ValidateBeforePayment} check reads (Express and Fastify both give them to guards). */
export interface RequestToValidate {
  params?: Record<string, string | undefined>;
  query?: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** Refuses a request by throwing an `HttpException` (4xx); returns when the request may be offered for payment. */
export type RequestCheck = (request: RequestToValidate) => void | Promise<void>;

/**
 * Checks a priced route's input (path parameters, query) before any payment is asked for or taken.
 * Nest runs pipes after guards, so a `ValidationPipe` sees the request only after the payment was
 * verified: input the handler refuses should be refused here, with a 4xx and no 402 first. The
 * check's `HttpException` is the answer. On a controller it covers every route; a method's own wins.
 *
 * @example
 * @Get(':id') @Priced('0.05')
 * @ValidateBeforePayment(({ params }) => { if (!Object.hasOwn(REPORTS, params?.id ?? '')) throw new NotFoundException(); })
 * report(@Param('id') id: string) { ... }
 */
export function ValidateBeforePayment(check: RequestCheck): MethodDecorator & ClassDecorator {
  return SetMetadata(X402_VALIDATE_METADATA, check);
}
