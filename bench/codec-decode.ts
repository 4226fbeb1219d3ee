/**
 * `npx tsx bench/codec-decode.ts [--records 20000] [--rounds 5]`: the cost per record of decoding
 * PinCreated from the Confluent wire format with the worker's codec (`src/contracts/avro-codec.ts`,
 * avsc + our registry client, `decodeAs` resolving into our contract) and with
 * `@kafkajs/confluent-schema-registry` (`decode`, with and without a reader schema), both against the
 * local stack's registry, caches warm, same records. Also encode per record. Prints a table; the
 * README quotes it (Contracts: "Why our codec").
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { parseArgs } from 'node:util';
import { AvroCodec } from '../src/contracts/avro-codec.js';
import { HttpSchemaRegistry } from '../src/contracts/http-schema-registry.js';
import { PIN_CREATED } from '../src/contracts/subjects.js';
import { fullPinCreated } from '../test/support/records.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const n = Number(values.records);
const rounds = Number(values.rounds);
const topic = uniqueName('bench-codec');
const ours = new AvroCodec(new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl }), {
  autoRegister: true,
});
const lib = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });

const records = Array.from({ length: n }, (_, i) =>
  fullPinCreated({ pinId: `pin-${i}`, title: `title ${i}`, createdAt: 1_700_000_000_000 + i }),
);
const buffers = await Promise.all(records.map((r) => ours.encode(topic, PIN_CREATED, r)));
const schemaId = buffers[0]!.readInt32BE(1);
const readerOptions = {
  [SchemaType.AVRO]: { readerSchema: JSON.parse(PIN_CREATED.schemaText) as unknown },
} as Parameters<SchemaRegistry['decode']>[1];
// The fairest use of the library: hand it our contract's prebuilt avsc type (it still builds a
// resolver per call).
const readerTypeOptions = {
  [SchemaType.AVRO]: { readerSchema: PIN_CREATED.type as unknown },
} as Parameters<SchemaRegistry['decode']>[1];

/** Best of `rounds` passes (after one warm-up pass) of `work` over every buffer, in µs per record. */
async function perRecordUs(work: (buffer: Buffer, i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < n; i++) await work(buffers[i]!, i);
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const began = performance.now();
    for (let i = 0; i < n; i++) await work(buffers[i]!, i);
    best = Math.min(best, ((performance.now() - began) * 1000) / n);
  }
  return best;
}

const rows: [string, number][] = [
  [
    'ours: AvroCodec.decodeAs(PIN_CREATED) (resolved into the contract)',
    await perRecordUs((b) => ours.decodeAs(PIN_CREATED, b)),
  ],
  ['ours: AvroCodec.decode (writer shape)', await perRecordUs((b) => ours.decode(b))],
  ['library: SchemaRegistry.decode (writer shape)', await perRecordUs((b) => lib.decode(b))],
  [
    'library: SchemaRegistry.decode with readerSchema',
    await perRecordUs((b) => lib.decode(b, readerOptions)),
  ],
  [
    'library: SchemaRegistry.decode with readerSchema = our prebuilt avsc type',
    await perRecordUs((b) => lib.decode(b, readerTypeOptions)),
  ],
  [
    'ours: AvroCodec.encode (validates the record first)',
    await perRecordUs((_, i) => ours.encode(topic, PIN_CREATED, records[i]!)),
  ],
  ['library: SchemaRegistry.encode', await perRecordUs((_, i) => lib.encode(schemaId, records[i]!))],
];

// Same content both ways (the library's reader-schema path is what our decodeAs does).
const a = (await ours.decodeAs(PIN_CREATED, buffers[7]!)).record;
const b = (await lib.decode(buffers[7]!, readerOptions)) as typeof a;
const same = a.pinId === b.pinId && a.title === b.title && a.createdAt === b.createdAt;
console.log(`records ${n}, best of ${rounds} rounds, node ${process.version}; same content: ${same}`);
for (const [name, us] of rows) console.log(`${us.toFixed(2).padStart(8)} µs/record  ${name}`);
