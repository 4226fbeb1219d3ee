import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../../../src/contracts/http-schema-registry.js';

// No identity provider runs here: a loopback server stands in for an authenticating registry and
// records the headers the client really sends (an Apicurio behind Keycloak checks exactly this one).
const seen: IncomingHttpHeaders[] = [];
const server = createServer((request, response) => {
  seen.push(request.headers);
  const ok = ['Basic aXctdXNlcjpzM2NyZXQ6d2l0aC1jb2xvbg==', 'Bearer t0ken'].includes(
    request.headers.authorization ?? '',
  );
  response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
  response.end(JSON.stringify(ok ? { schema: '"string"', schemaType: 'AVRO' } : { message: 'unauthorized' }));
});
let baseUrl: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const registryFor = (env: Record<string, string>) =>
  new HttpSchemaRegistry({
    baseUrl,
    auth: registryAuthFromConfig(loadConfig({ SCHEMA_REGISTRY_URL: baseUrl, ...env })),
  });

describe('schema registry authentication from the environment', () => {
  it('sends HTTP basic credentials (a password may hold a colon)', async () => {
    const registry = registryFor({
      SCHEMA_REGISTRY_USERNAME: 'iw-user',
      SCHEMA_REGISTRY_PASSWORD: 's3cret:with-colon',
    });
    await expect(registry.schemaById(1)).resolves.toBe('"string"');
    expect(seen.at(-1)!.authorization).toBe(
      `Basic ${Buffer.from('iw-user:s3cret:with-colon').toString('base64')}`,
    );
  });

  it('sends a bearer token', async () => {
    const registry = registryFor({ SCHEMA_REGISTRY_BEARER_TOKEN: 't0ken' });
    await expect(registry.schemaById(1)).resolves.toBe('"string"');
    expect(seen.at(-1)!.authorization).toBe('Bearer t0ken');
  });

  it('sends nothing without settings, and a refusal is IW_REGISTRY_AUTH_FAILED', async () => {
    await expect(registryFor({}).schemaById(1)).rejects.toMatchObject({ code: 'IW_REGISTRY_AUTH_FAILED' });
    expect(seen.at(-1)!.authorization).toBeUndefined();
    const wrong = registryFor({ SCHEMA_REGISTRY_BEARER_TOKEN: 'expired' });
    await expect(wrong.lookupSchemaId('s', '"string"')).rejects.toMatchObject({
      code: 'IW_REGISTRY_AUTH_FAILED',
      retriable: false,
    });
  });

  it('refuses a user without a password as IW_CONFIG_INVALID', () => {
    expect(() => registryAuthFromConfig({ SCHEMA_REGISTRY_USERNAME: 'iw-user' })).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });
});
