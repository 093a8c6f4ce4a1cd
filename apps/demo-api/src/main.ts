import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HELLO } from '#x402';

@Controller()
class AppController { @Get() hi() { return HELLO; } }
@Module({ controllers: [AppController] })
class AppModule {}
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0);
console.log('up', HELLO, await app.getUrl());
await app.close();
