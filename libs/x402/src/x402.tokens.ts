/** Injection token of the validated configuration ({@link X402Config}). */
export const X402_CONFIG = Symbol('x402:config');
/** Injection token of the `@x402/core` facilitator client in use. */
export const X402_FACILITATOR = Symbol('x402:facilitator');
