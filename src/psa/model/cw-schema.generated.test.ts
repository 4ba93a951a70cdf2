// Guards the committed cw-schema.generated.json against drift from its generator and source spec.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate, OUTPUT_PATH, serialize } from '../../../scripts/generate-cw-schema.js';

describe('cw-schema.generated.json', () => {
  it('is what scripts/generate-cw-schema.ts produces (run it after changing the generator)', () => {
    const fresh = serialize(generate());
    expect(fresh).toBe(readFileSync(OUTPUT_PATH, 'utf8'));
    expect(Buffer.byteLength(fresh)).toBeLessThan(1_500_000);
  });

  it('is deterministic', () => {
    expect(serialize(generate())).toBe(serialize(generate()));
  });

  it('fails loudly when the source has no components.schemas', () => {
    expect(() => generate(new URL(import.meta.url).pathname)).toThrow(/components\.schemas/);
  });
});
