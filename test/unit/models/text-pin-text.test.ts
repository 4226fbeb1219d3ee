import { describe, expect, it } from 'vitest';
import { pinText } from '../../../src/preprocess/pin-text.js';

describe('pinText', () => {
  it('joins title, description and link with newlines, untouched, as training maps Subject and body', () => {
    expect(pinText({ title: ' Hi ', description: 'Body\n', link: 'https://x.io' })).toBe(' Hi \nBody\n\nhttps://x.io');
    expect(pinText({ title: '', description: '', link: '' })).toBe('\n\n');
  });
});
