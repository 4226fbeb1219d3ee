// Do the index's scalar kinds change near-duplicate decisions? The evaluation photos (fixtures and
// extra benign photos) are indexed at f32, f16 and i8; each edited copy is a query (its match: the
// nearest photo within NEAR_DUPLICATE_MAX_DISTANCE), and each photo is a query against the index of
// the other photos (any match is a false match between distinct photos). Decisions and distances
// are compared with exact float32 cosine distances (src/neighbours/vector-math.ts).
//   npx tsx bench/embeddings/index-scalar-decisions.ts [--max-distance 0.1426]
import { parseArgs } from 'node:util';
import { ENV_VARIABLES } from '../../src/config/env-variables.js';
import { INDEX_SCALARS, NearDuplicateIndex } from '../../src/neighbours/near-duplicate-index.js';
import { cosineDistance } from '../../src/neighbours/vector-math.js';
import { servedEmbeddings } from './served-embeddings.js';

const served = ENV_VARIABLES.NEAR_DUPLICATE_MAX_DISTANCE.defaultText;
const { values } = parseArgs({ options: { 'max-distance': { type: 'string', default: served } } });
const threshold = Number(values['max-distance']);
const data = await servedEmbeddings((line) => console.error(line));
const { photos, copies } = data;
const DIM = photos[0]!.vector.length;

interface Decision {
  nearest: number;
  distance: number;
  match: boolean;
}
const content = (i: number) => ({
  contentKey: `photo:${i}`,
  pinId: photos[i]!.name,
  decision: 'BLOCK' as const,
});
function exact(q: Float32Array, skip?: number): Decision {
  let best = { nearest: -1, distance: Infinity };
  photos.forEach((p, j) => {
    const d = j === skip ? Infinity : cosineDistance(q, p.vector);
    if (d < best.distance) best = { nearest: j, distance: d };
  });
  return { ...best, match: best.distance <= threshold };
}
function viaIndex(index: NearDuplicateIndex, q: Float32Array): Decision {
  const m = index.nearest(q)!;
  const nearest = Number(m.contentKey.slice('photo:'.length));
  return { nearest, distance: m.distance, match: m.distance <= threshold };
}

const reference = {
  copies: copies.map((c) => exact(c.vector)),
  pairs: photos.map((p, i) => exact(p.vector, i)),
};
const margin = Math.min(
  ...[...reference.copies, ...reference.pairs].map((d) => Math.abs(d.distance - threshold)),
);
const rows = [];
for (const scalar of INDEX_SCALARS) {
  const all = new NearDuplicateIndex('image-safety@1', DIM, scalar);
  photos.forEach((p, i) => all.upsert(content(i), p.vector));
  const got = copies.map((c) => viaIndex(all, c.vector));
  const pairs = photos.map((p, i) => {
    const others = new NearDuplicateIndex('image-safety@1', DIM, scalar);
    photos.forEach((o, j) => j !== i && others.upsert(content(j), o.vector));
    return viaIndex(others, p.vector);
  });
  const changed = (a: Decision[], b: Decision[]) =>
    a.filter((d, k) => d.match !== b[k]!.match || (d.match && d.nearest !== b[k]!.nearest)).length;
  const deltas = [...got, ...pairs].map((d, k) =>
    Math.abs(d.distance - [...reference.copies, ...reference.pairs][k]!.distance),
  );
  const correct = got.filter((d, k) => d.match && d.nearest === copies[k]!.photo).length;
  rows.push({
    scalar,
    copies: copies.length,
    copiesMatchedToTheirPhoto: correct,
    copiesMatchedToAnotherPhoto: got.filter((d, k) => d.match && d.nearest !== copies[k]!.photo).length,
    distinctPhotosMatched: pairs.filter((d) => d.match).length,
    decisionsChangedVsExactF32: changed(got, reference.copies) + changed(pairs, reference.pairs),
    maxDistanceErrorVsExactF32: Math.max(...deltas),
    meanDistanceErrorVsExactF32: deltas.reduce((a, b) => a + b, 0) / deltas.length,
  });
}
console.log(
  JSON.stringify(
    {
      model: data.model,
      photos: photos.length,
      edits: copies.length / photos.length,
      threshold,
      closestExactDistanceToThreshold: margin,
      rows,
    },
    null,
    2,
  ),
);
