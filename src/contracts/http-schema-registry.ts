/**
 * The schema registry over the Confluent REST API (Apicurio serves it under `/apis/ccompat/v7`).
 * No retries here: an unreachable registry surfaces as the retriable IW_REGISTRY_UNREACHABLE and the
 * caller's retry budget decides. Only the status code is interpreted, never Confluent's `error_code`
 * sub-codes, which Apicurio does not always mirror.
 */
import { IntegrityError } from '../errors.js';
import type { CompatibilityLevel, SchemaRegistryAdmin, SubjectVersion } from './schema-registry.js';

export interface HttpSchemaRegistryOptions {
  /** Base URL up to the API root, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  baseUrl: string;
  /** Time allowed per request, in milliseconds. @defaultValue 5000 */
  requestTimeoutMs?: number;
  /** Credentials sent with every request as the `Authorization` header. @defaultValue none */
  auth?: RegistryAuth;
}

/** HTTP basic (Confluent Cloud API keys, Apicurio basic auth) or a bearer token (OAuth/OIDC). */
export type RegistryAuth = { username: string; password: string } | { bearerToken: string };

/** The registry auth the configuration asks for (basic wins only when no token is set). */
export function registryAuthFromConfig(config: {
  SCHEMA_REGISTRY_USERNAME?: string | undefined;
  SCHEMA_REGISTRY_PASSWORD?: string | undefined;
  SCHEMA_REGISTRY_BEARER_TOKEN?: string | undefined;
}): RegistryAuth | undefined {
  if (config.SCHEMA_REGISTRY_BEARER_TOKEN) return { bearerToken: config.SCHEMA_REGISTRY_BEARER_TOKEN };
  if (config.SCHEMA_REGISTRY_USERNAME || config.SCHEMA_REGISTRY_PASSWORD) {
    if (!config.SCHEMA_REGISTRY_USERNAME || !config.SCHEMA_REGISTRY_PASSWORD)
      throw new IntegrityError(
        'IW_CONFIG_INVALID',
        'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together',
        { details: { variables: ['SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD'] } },
      );
    return { username: config.SCHEMA_REGISTRY_USERNAME, password: config.SCHEMA_REGISTRY_PASSWORD };
  }
  return undefined;
}

function authorization(auth: RegistryAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('bearerToken' in auth) return { authorization: `Bearer ${auth.bearerToken}` };
  const basic = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  return { authorization: `Basic ${basic}` };
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

type Answer = { status: number; body: Record<string, unknown> };

export class HttpSchemaRegistry implements SchemaRegistryAdmin {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly authHeader: Record<string, string>;

  constructor(options: HttpSchemaRegistryOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.authHeader = authorization(options.auth);
  }

  async schemaById(id: number): Promise<string> {
    const answer = await this.request('GET', `/schemas/ids/${id}`);
    if (answer.status === 404) {
      throw new IntegrityError('IW_SCHEMA_UNKNOWN_ID', `the registry has no schema ${id}`, {
        details: { id },
      });
    }
    this.expectOk(answer, 'GET /schemas/ids');
    const type = answer.body.schemaType;
    if (type !== undefined && type !== 'AVRO') {
      throw new IntegrityError('IW_SCHEMA_UNKNOWN_ID', `schema ${id} is ${String(type)}, not Avro`, {
        details: { id, schemaType: type },
      });
    }
    return String(answer.body.schema);
  }

  async lookupSchemaId(subject: string, schema: string): Promise<number | undefined> {
    const answer = await this.request('POST', `/subjects/${enc(subject)}`, { schema });
    if (answer.status === 404) return undefined;
    this.expectOk(answer, 'POST /subjects/{subject}');
    return Number(answer.body.id);
  }

  async register(subject: string, schema: string): Promise<number> {
    const answer = await this.request('POST', `/subjects/${enc(subject)}/versions`, { schema });
    if (answer.status === 409) {
      throw new IntegrityError('IW_SCHEMA_INCOMPATIBLE', `the registry refused the schema for ${subject}`, {
        details: { subject, registry: answer.body.message },
      });
    }
    this.expectOk(answer, 'POST /subjects/{subject}/versions');
    return Number(answer.body.id);
  }

  async latestVersion(subject: string): Promise<SubjectVersion | undefined> {
    const answer = await this.request('GET', `/subjects/${enc(subject)}/versions/latest`);
    if (answer.status === 404) return undefined;
    this.expectOk(answer, 'GET /subjects/{subject}/versions/latest');
    const { id, version, schema } = answer.body;
    return { id: Number(id), version: Number(version), schema: String(schema) };
  }

  async isCompatible(subject: string, schema: string): Promise<boolean> {
    const answer = await this.request('POST', `/compatibility/subjects/${enc(subject)}/versions/latest`, {
      schema,
    });
    if (answer.status === 404) return true;
    this.expectOk(answer, 'POST /compatibility/subjects/{subject}/versions/latest');
    return answer.body.is_compatible === true;
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const answer = await this.request('PUT', `/config/${enc(subject)}`, { compatibility: level });
    this.expectOk(answer, 'PUT /config/{subject}');
  }

  private async request(method: string, path: string, body?: unknown): Promise<Answer> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: CONTENT_TYPE,
          ...this.authHeader,
          ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new IntegrityError(
        'IW_REGISTRY_UNREACHABLE',
        `no answer from the schema registry (${method} ${path})`,
        {
          cause,
          details: { url },
        },
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw new IntegrityError('IW_REGISTRY_UNREACHABLE', `the schema registry answered ${response.status}`, {
        details: { url, status: response.status },
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new IntegrityError('IW_REGISTRY_AUTH_FAILED', `the schema registry answered ${response.status}`, {
        details: { url, status: response.status },
      });
    }
    return { status: response.status, body: parseObject(text) };
  }

  private expectOk(answer: Answer, what: string): void {
    if (answer.status >= 200 && answer.status < 300) return;
    throw new IntegrityError('IW_REGISTRY_REJECTED', `${what} answered ${answer.status}`, {
      details: { status: answer.status, registry: answer.body.message },
    });
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
