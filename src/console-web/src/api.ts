/** The console's API from the browser: same-origin cookies, the CSRF token on every POST. */
export interface User {
  username: string;
  role: 'reviewer' | 'admin';
}

export interface QueueItem {
  itemId: string;
  pinId: string;
  signal: string;
  queue: 'review' | 'audit';
  inclusionProbability: number;
  decision: string;
  model: string;
  policyVersion: string;
  labeledAt: number;
  scores: Record<string, number>;
  topScore: number;
  reason: string | null;
  rule: string | null;
  claimedBy: string | null;
  pin: {
    title: string | null;
    description: string | null;
    link: string | null;
    linkDomain: string | null;
    hasImage: boolean;
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(method === 'POST' && { 'x-csrf-token': csrfToken }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok)
    throw new ApiError(
      response.status,
      data.error?.code ?? 'HTTP',
      data.error?.message ?? response.statusText,
    );
  return data as T;
}

export async function session(): Promise<User | null> {
  const s = await call<{ user: User | null; csrfToken: string }>('GET', '/api/session');
  csrfToken = s.csrfToken;
  return s.user;
}

export async function login(username: string, password: string): Promise<User> {
  const s = await call<{ user: User; csrfToken: string }>('POST', '/api/login', { username, password });
  csrfToken = s.csrfToken;
  return s.user;
}

export const logout = () => call<unknown>('POST', '/api/logout');
export const queue = (filters: Record<string, string>) =>
  call<{ items: QueueItem[] }>(
    'GET',
    `/api/queue?${new URLSearchParams(Object.entries(filters).filter(([, v]) => v))}`,
  );
export const claim = (id: string) => call<QueueItem>('POST', `/api/items/${id}/claim`);
export const release = (id: string) => call<unknown>('POST', `/api/items/${id}/release`);
export const reveal = (id: string) => call<unknown>('POST', `/api/items/${id}/reveal`);
export const decide = (id: string, verdict: 'VIOLATES' | 'NOT_VIOLATING') =>
  call<{ verdictId: string }>('POST', `/api/items/${id}/verdict`, { verdict });
export const overview = () => call<Overview>('GET', '/api/overview');
export const auditLog = () =>
  call<{
    entries: {
      at: number;
      actor: string;
      action: string;
      target: string | null;
      details: Record<string, unknown>;
    }[];
  }>('GET', '/api/admin/audit-log');

/** The image as a blob URL (fetched with the session cookie through the console's guarded proxy). */
export async function imageUrl(id: string): Promise<string> {
  const response = await fetch(`/api/items/${id}/image`, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, 'IMAGE', 'image unavailable');
  return URL.createObjectURL(await response.blob());
}

export interface Estimate {
  signal: string;
  model: string;
  decision: string;
  n: number;
  violatingRate: number;
  standardError: number;
}

export interface Overview {
  bucketMs: number;
  decisions: { bucketStart: number; signal: string; model: string; decision: string; count: number }[];
  counts: { signal: string; model: string; decision: string; count: number }[];
  unscored: { signal: string; reason: string; count: number }[];
  domains: { domain: string; count: number }[];
  estimates: Estimate[];
  falseNegativeRates: { signal: string; model: string; rate: number }[];
  shadow: { role: string; topic: string; pins: number; agree: number; agreement: number | null }[];
  open: { queue: string; count: number }[];
}
