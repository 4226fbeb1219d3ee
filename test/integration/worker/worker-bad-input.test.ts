import { describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { PIN_CREATED } from '../../../src/contracts/subjects.js';
import type { HostResolver } from '../../../src/fetch/guarded-connector.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  codec,
  createWorkerTopics,
  deadLetterCollector,
  labelCollector,
  producePins,
  scrape,
  startTestWorker,
  type RawRecord,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const bed = useWorkerTestBed();
const { admin } = bed;

// Test DNS: names under .test resolve without the network; evil ones to addresses the worker must refuse.
const lookup: HostResolver = async (host) => {
  const table: Record<string, string> = {
    'img.test': '127.0.0.1',
    'evil-private.test': '10.0.0.1',
    'evil-metadata.test': '169.254.169.254',
    'evil-home.test': '192.168.1.1',
  };
  const address = table[host];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

const pin = (pinId: string, url: string | null, title: string | null = 'A normal pin'): PinCreated =>
  minimalPinCreated({
    pinId,
    title,
    image: url === null ? null : { url, signature: null, width: null, height: null, mime: null },
  });

describe('worker: bad input never stops the stream', () => {
  it('dead-letters broken records and leaves broken images UNSCORED with their codes, labeling everything around them', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const good = (i: number) => pin(`good-${i}`, bed.images.url('/images/photo-coffee.jpg'));
    // A real header (magic byte and the registered schema id) in front of a body that is not a PinCreated.
    const header = (await codec.encode(topics.pins, PIN_CREATED, good(0))).subarray(0, 5);
    const validHeaderBadBody = Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff])]);
    const raw = (key: string, value: Buffer): RawRecord => ({ key, value });
    const broken: Record<string, string> = {
      'bad-json': 'IW_WIRE_BAD_MAGIC',
      'bad-short': 'IW_WIRE_TOO_SHORT',
      'bad-schema-id': 'IW_SCHEMA_UNKNOWN_ID',
      'bad-body': 'IW_AVRO_BODY_MISMATCH',
      'bad-empty-pin': 'IW_INPUT_INVALID',
    };
    const unscored: Record<string, [string | null, string]> = {
      'img-404': [bed.images.url('/status/404'), 'IW_FETCH_HTTP_STATUS'],
      'img-truncated': [bed.images.url('/images/bad-truncated.jpg'), 'IW_IMAGE_DECODE'],
      'img-not-an-image': [bed.images.url('/images/bad-text.jpg'), 'IW_IMAGE_UNSUPPORTED'],
      'img-huge': [bed.images.url('/images/odd-huge-20000x20000.png'), 'IW_IMAGE_TOO_LARGE'],
      'img-private-literal': ['http://10.0.0.1/a.jpg', 'IW_FETCH_ADDRESS_REFUSED'],
      'img-metadata-literal': ['http://169.254.169.254/latest/meta-data/', 'IW_FETCH_ADDRESS_REFUSED'],
      'img-private-dns': [
        `http://evil-private.test:${bed.images.port}/images/photo-coffee.jpg`,
        'IW_FETCH_ADDRESS_REFUSED',
      ],
      'img-metadata-dns': [
        `http://evil-metadata.test:${bed.images.port}/images/photo-coffee.jpg`,
        'IW_FETCH_ADDRESS_REFUSED',
      ],
      'img-home-dns': [
        `http://evil-home.test:${bed.images.port}/images/photo-coffee.jpg`,
        'IW_FETCH_ADDRESS_REFUSED',
      ],
      'img-bad-url': ['ftp://img.test/a.jpg', 'IW_FETCH_BAD_URL'],
      'img-redirect-to-private': [
        bed.images.url('/redirect-to?location=http://10.0.0.2/x.jpg'),
        'IW_FETCH_ADDRESS_REFUSED',
      ],
      'img-5xx-forever': [bed.images.url('/status/503'), 'IW_FETCH_HTTP_5XX'],
    };
    const records: (PinCreated | RawRecord)[] = [];
    let goods = 0;
    const addGood = () => records.push(good(goods++), good(goods++));
    for (const key of Object.keys(broken)) {
      addGood();
      if (key === 'bad-json') records.push(raw(key, Buffer.from('{"pinId":"json"}')));
      if (key === 'bad-short') records.push(raw(key, Buffer.from([0, 1])));
      if (key === 'bad-schema-id') records.push(raw(key, Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4])));
      if (key === 'bad-body') records.push(raw(key, validHeaderBadBody));
      if (key === 'bad-empty-pin') records.push(pin(key, null, null));
    }
    for (const [key, [url]] of Object.entries(unscored)) {
      addGood();
      records.push(pin(key, url));
    }
    addGood();
    await producePins(topics.pins, records);

    const labels = await labelCollector(topics.labels);
    const deadLetters = await deadLetterCollector(topics.deadLetters);
    const { worker, guard } = await startTestWorker(
      topics,
      {
        RETRY_MAX_ATTEMPTS: '2',
        RETRY_BASE_DELAY_MS: '10',
        // The 503 image is rescanned later (worker-rescan.test.ts); not within this test.
        RESCAN_BASE_DELAY_MS: '600000',
        FETCH_MAX_BYTES: '2000000',
        IMAGE_MAX_PIXELS: '40000000',
      },
      { lookup },
    );
    try {
      await labels.waitFor(goods + Object.keys(unscored).length, 90_000);
      await deadLetters.waitFor(Object.keys(broken).length, 30_000);

      const labelByPin = new Map(labels.records.map((r) => [r.key, r.record]));
      for (let i = 0; i < goods; i++) {
        expect(labelByPin.get(`good-${i}`)?.signals[0]).toMatchObject({
          reasonCode: null,
          decision: 'ALLOW',
        });
      }
      for (const [key, [, code]] of Object.entries(unscored)) {
        const label = labelByPin.get(key);
        expect({ key, image: label?.signals[0]?.reasonCode, text: label?.signals[1]?.decision }).toEqual({
          key,
          image: code,
          text: expect.stringMatching(/^(ALLOW|REVIEW|BLOCK)$/),
        });
      }
      const deadByKey = new Map(deadLetters.records.map((r) => [r.key, r.record]));
      for (const [key, code] of Object.entries(broken)) {
        const deadLetter = deadByKey.get(key);
        expect({ key, code: deadLetter?.errorCode }).toEqual({ key, code });
        expect(deadLetter!.source.topic).toBe(topics.pins);
        expect(deadLetter!.value).not.toBeNull();
      }
      // The original bytes travel in the dead letter unchanged.
      expect(deadByKey.get('bad-json')!.value!.toString()).toBe('{"pinId":"json"}');
      expect(labels.records).toHaveLength(goods + Object.keys(unscored).length);
      expect(deadLetters.records).toHaveLength(Object.keys(broken).length);

      // Refused addresses were refused before any connection: nothing but loopback was ever dialled,
      // and the image server never saw the redirect's target nor the evil names' paths.
      expect(guard.violations).toEqual([]);
      expect(guard.attempts.every((host) => host === '127.0.0.1')).toBe(true);
      expect(await scrape(worker, 'iw_dead_letters_total')).toBe(Object.keys(broken).length);
      expect(
        await scrape(worker, 'iw_unscored_total', {
          signal: 'image.safety',
          reason: 'IW_FETCH_ADDRESS_REFUSED',
        }),
      ).toBe(6);
    } finally {
      await worker.stop();
      await Promise.all([labels.stop(), deadLetters.stop()]);
    }
  });
});
