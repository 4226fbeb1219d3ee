import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigTable } from '../../../src/config/config-table.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { isIntegrityError } from '../../../src/errors.js';

describe('loadConfig', () => {
  it('gives defaults for an empty environment and freezes the result', () => {
    const config = loadConfig({});
    expect(config.INPUT_TOPIC).toBe('pins.created.v1');
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:19092']);
    expect(config.CACHE_ENABLED).toBe(true);
    expect(config.CONSUMER_START_POSITION).toBe('latest');
    // Shrink-on-load serves by default (models/image-safety/1/SHRINK-ON-LOAD.md); `off` still opts out.
    expect(config.IMAGE_DECODE_SHRINK).toBe(true);
    expect(loadConfig({ IMAGE_DECODE_SHRINK: 'off' }).IMAGE_DECODE_SHRINK).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.KAFKA_BROKERS)).toBe(true);
  });

  it('coerces numbers, lists and booleans; empty means unset', () => {
    const config = loadConfig({
      IMAGE_MAX_BATCH: '8',
      KAFKA_BROKERS: 'a:1, b:2',
      CACHE_ENABLED: '0',
      LOG_LEVEL: '',
    });
    expect(config.IMAGE_MAX_BATCH).toBe(8);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.CACHE_ENABLED).toBe(false);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('reports every bad variable at once, by name', () => {
    let caught: unknown;
    try {
      loadConfig({ IMAGE_MAX_BATCH: 'lots', IMAGE_MODEL: 'no-version', CACHE_ENABLED: 'yes' });
    } catch (error) {
      caught = error;
    }
    expect(isIntegrityError(caught, 'IW_CONFIG_INVALID')).toBe(true);
    if (!isIntegrityError(caught)) return;
    expect([...(caught.details?.variables as string[])].sort()).toEqual([
      'CACHE_ENABLED',
      'IMAGE_MAX_BATCH',
      'IMAGE_MODEL',
    ]);
    expect(caught.message).toContain('IMAGE_MAX_BATCH="lots"');
  });

  it('is documented in the README, row for row', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(renderConfigTable());
  });
});
