// Every test file loads kafkajs after its read_committed filter (src/kafka/read-committed-filter.ts)
// and its produce-path pieces (src/kafka/produce-encoding.ts) are replaced, as the worker does.
import '../../src/kafka/read-committed-filter.js';
import '../../src/kafka/produce-encoding.js';
