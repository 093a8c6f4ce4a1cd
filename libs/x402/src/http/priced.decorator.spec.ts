import { Controller, Get } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { X402Guard } from './x402.guard.js';
import { X402Interceptor } from './x402.interceptor.js';
import { X402_PRICE_METADATA, type PriceMetadata } from '../pricing/price-metadata.js';
import { Free, Priced } from './priced.decorator.js';

const dynamic = () => '0.02';

@Controller('reports')
@Priced('0.05', { description: 'report' })
class ReportsController {
  @Get() @Free() catalog() {}
  @Get('one') one() {}
  @Get('big') @Priced({ amount: '100', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' }) big() {}
  @Get('dynamic') @Priced(dynamic, { mimeType: 'application/json' }) dyn() {}
}

@Controller('open')
class OpenController {
  @Get() open() {}
}

const reflector = new Reflector();
const resolve = (handler: Function, cls: Function) => reflector.getAllAndOverride<PriceMetadata | undefined>(X402_PRICE_METADATA, [handler, cls]);

describe('@Priced and @Free', () => {
  const proto = ReportsController.prototype;

  it('applies the controller price to handlers without their own', () => {
    expect(resolve(proto.one, ReportsController)).toEqual({ price: '0.05', options: { description: 'report' } });
  });

  it('lets a handler price win over the controller price', () => {
    expect(resolve(proto.big, ReportsController)).toEqual({ price: { amount: '100', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' }, options: {} });
  });

  it('keeps a price function as given', () => {
    expect(resolve(proto.dyn, ReportsController)).toEqual({ price: dynamic, options: { mimeType: 'application/json' } });
  });

  it('exempts a @Free handler of a priced controller', () => {
    expect(resolve(proto.catalog, ReportsController)).toEqual({ free: true });
  });

  it('leaves undecorated routes unpriced', () => {
    expect(resolve(OpenController.prototype.open, OpenController)).toBeUndefined();
  });

  it('binds the guard and the interceptor where it is applied', () => {
    expect(Reflect.getMetadata(GUARDS_METADATA, ReportsController)).toEqual([X402Guard]);
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, ReportsController)).toEqual([X402Interceptor]);
    expect(Reflect.getMetadata(GUARDS_METADATA, proto.big)).toEqual([X402Guard]);
    expect(Reflect.getMetadata(GUARDS_METADATA, proto.one)).toBeUndefined();
  });
});
