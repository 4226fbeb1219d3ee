/**
 * The review queue: list with filters, claim and release, reveal (audited), the image proxied
 * through the worker's guarded fetcher (the browser never loads a pin's URL), and verdicts, which are
 * published on the review topic before the store closes the item.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ReviewVerdict } from '../../contracts/generated/review-verdict.js';
import { IntegrityError } from '../../errors.js';
import type { ConsoleDeps } from './console-deps.js';
import { sessionOf } from './security-hooks.js';

const queueQuery = z.object({
  queue: z.enum(['review', 'audit']).optional(),
  signal: z.string().max(100).optional(),
  model: z.string().max(100).optional(),
  reason: z.string().max(100).optional(),
  domain: z.string().max(300).optional(),
  sort: z.enum(['oldest', 'score']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const verdictBody = z.object({ verdict: z.enum(['VIOLATES', 'NOT_VIOLATING']) });
const itemParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/) });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new IntegrityError('IW_CONSOLE_BAD_REQUEST', result.error.issues[0]?.message ?? 'bad request');
  return result.data;
}

export function queueRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { labels, accounts } = deps.stores;
  const ttl = deps.settings.claimTtlMs;
  const item = async (id: string) => {
    const found = await labels.getItem(id);
    if (!found) throw new IntegrityError('IW_CONSOLE_NOT_FOUND', 'no such item');
    return found;
  };
  const audit = (actor: string, action: string, target: string, details: Record<string, unknown> = {}) =>
    accounts.audit({ at: Date.now(), actor, action, target, details });

  app.get('/api/queue', async (request) => ({
    items: await labels.listQueue(parse(queueQuery, request.query)),
  }));

  app.get('/api/items/:id', async (request) => item(parse(itemParams, request.params).id));

  app.post('/api/items/:id/claim', async (request) => {
    const { id } = parse(itemParams, request.params);
    const session = sessionOf(request);
    await item(id);
    if (!(await labels.claim(id, session.username, Date.now(), ttl))) {
      throw new IntegrityError('IW_CONSOLE_CLAIMED', 'another reviewer has this item');
    }
    await audit(session.username, 'claim', id);
    return item(id);
  });

  app.post('/api/items/:id/release', async (request) => {
    const { id } = parse(itemParams, request.params);
    const session = sessionOf(request);
    await labels.release(id, session.username);
    await audit(session.username, 'release', id);
    return { ok: true };
  });

  app.post('/api/items/:id/reveal', async (request) => {
    const { id } = parse(itemParams, request.params);
    await audit(sessionOf(request).username, 'reveal', id);
    return { ok: true };
  });

  app.get('/api/items/:id/image', async (request, reply) => {
    const found = await item(parse(itemParams, request.params).id);
    const url = await labels.imageUrl(found.pinId);
    if (!url) throw new IntegrityError('IW_CONSOLE_NOT_FOUND', 'the pin has no image');
    const image = await deps.fetcher.fetch(url);
    reply
      .header('content-type', image.mime)
      .header('cache-control', 'private, no-store')
      .header('content-disposition', 'inline')
      .header('content-security-policy', "default-src 'none'; sandbox");
    return reply.send(image.bytes);
  });

  app.post('/api/items/:id/verdict', async (request) => {
    const { id } = parse(itemParams, request.params);
    const { verdict } = parse(verdictBody, request.body);
    const session = sessionOf(request);
    // Deciding takes (or keeps) the claim: nobody decides an item someone else holds.
    if (!(await labels.claim(id, session.username, Date.now(), ttl))) {
      throw new IntegrityError('IW_CONSOLE_CLAIMED', 'another reviewer has this item');
    }
    const it = await item(id);
    const [modelName, modelVersion] = splitModel(it.model);
    const record: ReviewVerdict = {
      verdictId: randomUUID(),
      pinId: it.pinId,
      signal: it.signal,
      verdict,
      reviewerId: session.reviewerId,
      reviewedAt: Date.now(),
      label: {
        modelName,
        modelVersion,
        decision: it.decision,
        policyVersion: it.policyVersion,
        labeledAt: it.labeledAt,
        labelTopic: it.labelTopic,
      },
      queue: it.queue,
      inclusionProbability: it.inclusionProbability,
    };
    await deps.publisher.publish(record);
    await labels.applyVerdict(record);
    await audit(session.username, 'verdict', id, {
      pinId: it.pinId,
      signal: it.signal,
      verdict,
      verdictId: record.verdictId,
    });
    return { verdictId: record.verdictId };
  });
}

function splitModel(model: string): [string, string] {
  const at = model.lastIndexOf('@');
  return at < 0 ? [model, ''] : [model.slice(0, at), model.slice(at + 1)];
}
