// Validates the OpenAPI document read from stdin with @apidevtools/swagger-parser; exit 1 with the reason if invalid.
import { createRequire } from 'node:module';

const SwaggerParser = createRequire(import.meta.url)('@apidevtools/swagger-parser');
let input = '';
for await (const chunk of process.stdin) input += chunk;
try {
  await SwaggerParser.validate(JSON.parse(input));
  process.stdout.write('valid');
} catch (error) {
  process.stdout.write(error.message);
  process.exitCode = 1;
}
